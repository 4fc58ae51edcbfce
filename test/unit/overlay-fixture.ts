// Shared by the overlay unit tests until modules/vxlan's `tunnels` table is in FakeDataplane. FakeTunnelDataplane
// adds that table as COORDINATION.md specifies it: tunnel ids share the nexthop id space, so groups list them as
// members (the fake keeps a port-0 placeholder nexthop per tunnel for the base class's group checks). FakeVpcs
// stands in for features/evpn's zebra-VRF map and features/vpc's directory.
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import type { Nexthop, TableErrorCode } from '../../agent/src/dataplane/api.ts';
import type { VxlanTunnel } from '../../agent/src/core/nexthops.ts';
import type { TunnelTables } from '../../agent/src/features/routing/fib.ts';
import { withPorts } from './routing-fixture.ts';
import type { VpcLookup, ZebraVrfLookup } from '../../agent/src/features/routing/overlay-vrfs.ts';

export class FakeTunnelDataplane extends FakeDataplane implements TunnelTables {
  readonly tunnelTable = new Map<number, VxlanTunnel>();
  /** Every setTunnels call's items, to check rewrites. */
  readonly tunnelWrites: VxlanTunnel[][] = [];

  setTunnels(items: VxlanTunnel[]): TableErrorCode[] {
    this.tunnelWrites.push(items.map((t) => ({ ...t })));
    return items.map((t) => {
      if (!(t.id >= 1) || !(t.vni >= 1 && t.vni <= 0xffffff) || !/^\d+\.\d+\.\d+\.\d+$/.test(t.vtep) || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(t.mac)) return 'invalid';
      if (!this.tunnelTable.has(t.id) && super.nexthops().some((n) => n.id === t.id)) return 'invalid';
      const r = super.setNexthops([{ id: t.id, port: 0 }])[0]!;
      if (r === 'ok') this.tunnelTable.set(t.id, { ...t });
      return r;
    });
  }

  delTunnels(ids: number[]): TableErrorCode[] {
    return ids.map((id) => {
      if (!this.tunnelTable.has(id)) return 'not_found';
      if (this.groups().some((g) => g.members.some((m) => m.nexthop === id))) throw new Error(`tunnel ${id} deleted while a group uses it`);
      this.tunnelTable.delete(id);
      return super.delNexthops([id])[0]!;
    });
  }

  override nexthops(): Nexthop[] {
    return super.nexthops().filter((n) => !this.tunnelTable.has(n.id));
  }

  tunnels(): VxlanTunnel[] {
    return [...this.tunnelTable.values()].map((t) => ({ ...t }));
  }
}

export function tdp(limits = {}): FakeTunnelDataplane {
  return withPorts(new FakeTunnelDataplane(limits));
}

/** zebra VRF id -> VPC name, and VPC name -> { vni, dataplane VRF }: what ZEBRA_VRFS and VPCS answer. */
export class FakeVpcs implements ZebraVrfLookup, VpcLookup {
  constructor(
    readonly zebra: Map<number, string>,
    readonly vpcs: Map<string, { vni: number; vrf: number }>,
  ) {}
  vpcOf(id: number): string | undefined {
    return this.zebra.get(id);
  }
  byName(name: string): { name: string; vni: number; vrf: number } | undefined {
    const v = this.vpcs.get(name);
    return v && { name, ...v };
  }
}

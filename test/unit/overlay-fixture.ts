// Shared by the overlay unit tests: FakeDataplane (with modules/vxlan's tunnels table) whose tunnel writes are
// recorded, and whose tunnel deletes fail the test when a group still lists the tunnel (the FIB must delete
// groups first). FakeVpcs stands in for features/evpn's zebra-VRF map and features/vpc's directory.
import type { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import type { Tunnel } from '../../agent/src/dataplane/api.ts';
import { dp } from './routing-fixture.ts';
import type { VpcLookup, ZebraVrfLookup } from '../../agent/src/features/routing/overlay-vrfs.ts';

export type TunnelFake = FakeDataplane & { tunnelWrites: Tunnel[][] };

export function tdp(limits = {}): TunnelFake {
  const d = dp(limits) as TunnelFake;
  d.tunnelWrites = [];
  const set = d.setTunnels.bind(d);
  const del = d.delTunnels.bind(d);
  d.setTunnels = (items) => {
    d.tunnelWrites.push(items.map((t) => ({ ...t })));
    return set(items);
  };
  d.delTunnels = (ids) => {
    for (const id of ids) if (d.groups().some((g) => g.members.some((m) => m.nexthop === id))) throw new Error(`tunnel ${id} deleted while a group lists it`);
    return del(ids);
  };
  return d;
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

// A fake of the dataplane's overlay tables for unit tests (FakeOverlayTables): keyed maps with the checks the
// tables' owners document (VRF below maxVrfs, VNI and classify entries need their VRFs: no_vrf, one VTEP:
// table_full), a log of every call, and a way to make the next write of one table refuse an item; and
// overlayDoc(), the document the vpc tests start from; vpcConsumer(), the real consumer over the fake.
import type { DesiredState } from '../../agent/src/config/model.ts';
import type { RouteOp, TableErrorCode } from '../../agent/src/dataplane/api.ts';
import type { OverlayCountersApi, OverlayTablesApi, PeeringCounters, PeeringRoute, PeeringSource, VpcCounters, Vni, Vtep } from '../../agent/src/features/vpc/dp-tables.ts';
import { VpcConfigConsumer } from '../../agent/src/features/vpc/consumer.ts';
import type { VpcLimits } from '../../agent/src/features/vpc/desired.ts';
import { VpcDirectoryImpl } from '../../agent/src/features/vpc/directory.ts';
import { VpcRealizer } from '../../agent/src/features/vpc/realizer.ts';
import { VpcStatusView } from '../../agent/src/features/vpc/status.ts';
import { validDoc } from './config-fixtures.ts';

/** Two VPCs (blue with IPv4 and IPv6 subnets, red) and one peering between them, no NAT. */
export function overlayDoc(): DesiredState {
  const d = validDoc();
  d.vpcs = [
    { name: 'blue', id: 'b1', vni: 100, subnets: [{ name: 'a', cidr: '10.10.0.0/24' }, { name: 'v6', cidr: '2001:db8:10::/64' }] },
    { name: 'red', id: 'r1', vni: 200, subnets: [{ name: 'a', cidr: '10.20.0.0/24' }] },
  ];
  d.peerings = [{ name: 'blue-red', sides: [{ vpc: 'blue', expose: [{ ips: ['10.10.0.0/25'] }, { ips: ['2001:db8:10::/64'] }] }, { vpc: 'red', expose: [{ ips: ['10.20.0.0/24'] }] }] }];
  return d;
}

export class FakeOverlayTables implements OverlayTablesApi, OverlayCountersApi {
  readonly vrfs = new Set<number>([0]);
  readonly vteps = new Map<string, Vtep>();
  readonly vnis = new Map<number, Vni>();
  readonly routes = new Map<string, PeeringRoute>();
  readonly sources = new Map<string, PeeringSource>();
  /** Routes by "vrf prefix" → target kind. */
  readonly fib = new Map<string, string>();
  /** Every call, in order: "addVrf 1", "setVnis 2" (item count) ... */
  readonly calls: string[] = [];
  /** Set to refuse the item at `index` of the next call of `method` with `code`. */
  failNext: { method: string; index: number; code: TableErrorCode } | undefined;
  counters: { vpcs: VpcCounters[]; peerings: PeeringCounters[] } = { vpcs: [], peerings: [] };

  constructor(private readonly maxVrfs = 16) {}

  private batch<T>(method: string, items: T[], apply: (t: T) => TableErrorCode): TableErrorCode[] {
    this.calls.push(`${method} ${items.length}`);
    const fail = this.failNext?.method === method ? this.failNext : undefined;
    if (fail) this.failNext = undefined;
    return items.map((t, i) => (fail && fail.index === i ? fail.code : apply(t)));
  }

  private single(method: string, vrf: number, apply: () => TableErrorCode): TableErrorCode {
    return this.batch(method, [vrf], apply)[0]!;
  }

  addVrf(vrf: number): TableErrorCode {
    return this.single('addVrf', vrf, () => {
      if (vrf >= this.maxVrfs) return 'invalid';
      this.vrfs.add(vrf);
      return 'ok';
    });
  }

  delVrf(vrf: number): TableErrorCode {
    return this.single('delVrf', vrf, () => {
      if (vrf === 0 || vrf >= this.maxVrfs) return 'invalid';
      return this.vrfs.delete(vrf) ? 'ok' : 'not_found';
    });
  }

  applyRoutes(items: RouteOp[]): TableErrorCode[] {
    return this.batch('applyRoutes', items, (r) => {
      if (!this.vrfs.has(r.vrf)) return 'no_vrf';
      if (r.op === 'del') return this.fib.delete(`${r.vrf} ${r.prefix}`) ? 'ok' : 'not_found';
      this.fib.set(`${r.vrf} ${r.prefix}`, r.target.kind);
      return 'ok';
    });
  }

  setVteps(items: Vtep[]): TableErrorCode[] {
    return this.batch('setVteps', items, (v) => {
      if (!this.vteps.has(v.ip) && this.vteps.size >= 1) return 'table_full';
      this.vteps.set(v.ip, v);
      return 'ok';
    });
  }

  delVteps(items: string[]): TableErrorCode[] {
    return this.batch('delVteps', items, (ip) => (this.vteps.delete(ip) ? 'ok' : 'not_found'));
  }

  setVnis(items: Vni[]): TableErrorCode[] {
    return this.batch('setVnis', items, (v) => {
      if (!this.vrfs.has(v.vrf)) return 'no_vrf';
      this.vnis.set(v.vni, v);
      return 'ok';
    });
  }

  delVnis(items: number[]): TableErrorCode[] {
    return this.batch('delVnis', items, (vni) => (this.vnis.delete(vni) ? 'ok' : 'not_found'));
  }

  setPeeringRoutes(items: PeeringRoute[]): TableErrorCode[] {
    return this.batch('setPeeringRoutes', items, (r) => {
      if (!this.vrfs.has(r.vrf) || !this.vrfs.has(r.dstVrf)) return 'no_vrf';
      this.routes.set(`${r.vrf} ${r.prefix}`, r);
      return 'ok';
    });
  }

  delPeeringRoutes(items: Pick<PeeringRoute, 'vrf' | 'prefix'>[]): TableErrorCode[] {
    return this.batch('delPeeringRoutes', items, (r) => (this.routes.delete(`${r.vrf} ${r.prefix}`) ? 'ok' : 'not_found'));
  }

  setPeeringSources(items: PeeringSource[]): TableErrorCode[] {
    return this.batch('setPeeringSources', items, (s) => {
      if (!this.vrfs.has(s.vrf)) return 'no_vrf';
      this.sources.set(`${s.vrf} ${s.peering} ${s.prefix}`, s);
      return 'ok';
    });
  }

  delPeeringSources(items: Pick<PeeringSource, 'vrf' | 'peering' | 'prefix'>[]): TableErrorCode[] {
    return this.batch('delPeeringSources', items, (s) => (this.sources.delete(`${s.vrf} ${s.peering} ${s.prefix}`) ? 'ok' : 'not_found'));
  }

  vpcCounters(): VpcCounters[] {
    return this.counters.vpcs;
  }

  peeringCounters(): PeeringCounters[] {
    return this.counters.peerings;
  }

  /** Everything written, sorted, for comparisons. */
  dump(): { vrfs: number[]; fib: string[]; vteps: Vtep[]; vnis: Vni[]; routes: PeeringRoute[]; sources: PeeringSource[] } {
    const by = (a: object, b: object): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
    return {
      vrfs: [...this.vrfs].sort((a, b) => a - b),
      fib: [...this.fib].map(([k, v]) => `${k} ${v}`).sort(),
      vteps: [...this.vteps.values()].sort(by),
      vnis: [...this.vnis.values()].sort(by),
      routes: [...this.routes.values()].sort(by),
      sources: [...this.sources.values()].sort(by),
    };
  }
}

export const VPC_LIMITS: VpcLimits = { maxVrfs: 16, reservedVrfs: new Set(), maxPeerings: 65535 };

/** The real vpc consumer, directory and status view over a FakeOverlayTables. */
export function vpcConsumer(overlay = new FakeOverlayTables(), limits = VPC_LIMITS) {
  const realizer = new VpcRealizer(overlay);
  const directory = new VpcDirectoryImpl();
  return { overlay, realizer, directory, consumer: new VpcConfigConsumer(realizer, directory, limits, { dataplane: true, classify: true }), status: new VpcStatusView(realizer, () => overlay) };
}

// The realized NAT as operators look at it (API, gwctl, /metrics): static mappings and pools from the realizer's
// record (what is written, not what the document asks), named by the document's peerings and VPCs, with napt's
// pool use, sessions and per-peering counters read from the dataplane once per call.
import type { NatFiltering } from '../../config/model.ts';
import type { NatCapabilities, NatOpsApi, NatPool, NatSession, NatSessionFilter } from './dp-tables.ts';
import { staticKey } from './desired.ts';
import type { NatRealizer } from './realizer.ts';

export interface NatStaticView {
  peering: string;
  vpc: string;
  vrf: number;
  ips: string;
  as: string;
}

export interface NatPoolView {
  pool: number;
  peering: string;
  vpc: string;
  vrf: number;
  mode: NatPool['mode'];
  filtering?: NatFiltering;
  idleTimeoutSeconds: number;
  prefixes: string[];
  inside: string[];
  forwards: { proto: 'tcp' | 'udp'; addr: string; port: number; inside: string; insidePort: number }[];
  stats?: { addresses: number; portsInUse: number; sessions: number; exhausted: bigint };
}

/** A session named by the document: its peering's name instead of the dataplane id. */
export type NatSessionView = Omit<NatSession, 'peering' | 'vrf'> & { peering: string };

export interface NatPeeringCounters {
  peering: string;
  created: bigint;
  expired: bigint;
  active: number;
  translations: bigint;
}

/** Session filter in the document's terms; names nothing realized → matches nothing. */
export interface NatSessionQuery {
  vpc?: string;
  peering?: string;
  proto?: 'tcp' | 'udp' | 'icmp';
  addr?: string;
}

export interface NatStatusSource {
  capabilities(): NatCapabilities;
  statics(): NatStaticView[];
  pools(): NatPoolView[];
  sessions(q: NatSessionQuery, limit: number): { items: NatSessionView[]; truncated: boolean };
  clear(q: NatSessionQuery): number;
  counters(): NatPeeringCounters[];
  /** Packets static NAT translated, per peering with mappings. */
  staticCounters(): { peering: string; translations: bigint }[];
}

const FILTERING_NAMES: Record<NatPool['filtering'], NatFiltering> = {
  endpointIndependent: 'endpoint-independent',
  addressDependent: 'address-dependent',
  addressAndPortDependent: 'address-and-port-dependent',
};

/** napt returns at most this many sessions per call (DataplaneApi.natSessions). */
const WALK_PAGE = 65536;

export class NatStatusView implements NatStatusSource {
  constructor(
    private readonly realizer: NatRealizer,
    private readonly can: NatCapabilities,
    private readonly ops: () => Partial<NatOpsApi> | undefined,
    /** VPC name → dataplane VRF (the VPC directory). */
    private readonly vrfOf: (vpc: string) => number | undefined,
  ) {}

  capabilities(): NatCapabilities {
    return { ...this.can };
  }

  /** napt's operations, only where napt is in the dataplane (the binding declares them in every build). */
  private stateful(): Partial<NatOpsApi> | undefined {
    return this.can.stateful ? this.ops() : undefined;
  }

  /** The dataplane's own walk of natStatic where it has one (what is really there), else the realizer's record. */
  statics(): NatStaticView[] {
    const r = this.realizer.realized();
    const ops = this.can.static ? this.ops() : undefined;
    const rows = ops?.natStatic ? ops.natStatic() : [...r.tables.natStatic.values()];
    return rows
      .map((s) => {
        const o = r.staticOrigin.get(staticKey(s));
        return { peering: o?.peering ?? `peering ${s.peering}`, vpc: o?.vpc ?? `vrf ${s.vrf}`, vrf: s.vrf, ips: s.ips, as: s.as };
      })
      .sort((a, b) => a.peering.localeCompare(b.peering) || a.vpc.localeCompare(b.vpc) || a.ips.localeCompare(b.ips));
  }

  pools(): NatPoolView[] {
    const r = this.realizer.realized();
    const stats = new Map((this.stateful()?.natPoolStats?.() ?? []).map((s) => [s.pool, s]));
    return [...r.tables.natPools.values()]
      .sort((a, b) => a.pool - b.pool)
      .map((p): NatPoolView => {
        const o = r.poolOrigin.get(p.pool);
        const mine = <T extends { pool: number }>(m: Map<string, T>): T[] => [...m.values()].filter((x) => x.pool === p.pool);
        const s = stats.get(p.pool);
        return {
          pool: p.pool,
          peering: o?.peering ?? `peering ${p.peering}`,
          vpc: o?.vpc ?? `vrf ${p.vrf}`,
          vrf: p.vrf,
          mode: p.mode,
          ...(p.mode === 'masquerade' ? { filtering: FILTERING_NAMES[p.filtering] } : {}),
          idleTimeoutSeconds: p.idleTimeout,
          prefixes: mine(r.tables.natPoolPrefixes).map((x) => x.prefix),
          inside: mine(r.tables.natInside).map((x) => x.prefix),
          forwards: mine(r.tables.natForwards).map(({ proto, addr, port, inside, insidePort }) => ({ proto, addr, port, inside, insidePort })),
          ...(s ? { stats: { addresses: s.addresses, portsInUse: s.portsInUse, sessions: s.sessions, exhausted: s.exhausted } } : {}),
        };
      });
  }

  /** The filter in dataplane terms, or undefined when it names nothing realized (it then matches nothing). */
  private filter(q: NatSessionQuery): NatSessionFilter | undefined {
    const f: NatSessionFilter = {};
    if (q.vpc !== undefined) {
      const vrf = this.vrfOf(q.vpc);
      if (vrf === undefined) return undefined;
      f.vrf = vrf;
    }
    if (q.peering !== undefined) {
      const id = [...this.peeringNames()].find(([, name]) => name === q.peering)?.[0];
      if (id === undefined) return undefined;
      f.peering = id;
    }
    if (q.proto !== undefined) f.proto = q.proto;
    if (q.addr !== undefined) f.addr = q.addr;
    return f;
  }

  /** Peering id → name, of the peerings with a realized pool (only those have sessions). */
  private peeringNames(): Map<number, string> {
    const r = this.realizer.realized();
    return new Map([...r.tables.natPools.values()].map((p) => [p.peering, r.poolOrigin.get(p.pool)?.peering ?? `peering ${p.peering}`]));
  }

  sessions(q: NatSessionQuery, limit: number): { items: NatSessionView[]; truncated: boolean } {
    const ops = this.stateful();
    const f = this.filter(q);
    if (!ops?.natSessions || !f) return { items: [], truncated: false };
    const names = this.peeringNames();
    const rows: NatSession[] = [];
    // One more than asked tells whether there are more; the walk pages by the last id seen.
    const want = limit + 1;
    let after = 0;
    while (rows.length < want) {
      const n = Math.min(WALK_PAGE, want - rows.length);
      const page = ops.natSessions(f, n, after);
      rows.push(...page);
      if (page.length < n) break;
      after = page[page.length - 1]!.id;
    }
    return {
      items: rows.slice(0, limit).map(({ peering, vrf: _vrf, ...s }) => ({ ...s, peering: names.get(peering) ?? `peering ${peering}` })),
      truncated: rows.length > limit,
    };
  }

  clear(q: NatSessionQuery): number {
    const f = this.filter(q);
    const ops = this.stateful();
    return f && ops?.natClear ? ops.natClear(f) : 0;
  }

  counters(): NatPeeringCounters[] {
    const names = this.peeringNames();
    return (this.stateful()?.natCounters?.() ?? []).map(({ peering, ...c }) => ({ peering: names.get(peering) ?? `peering ${peering}`, ...c }));
  }

  staticCounters(): { peering: string; translations: bigint }[] {
    if (!this.can.static) return [];
    const r = this.realizer.realized();
    const names = new Map([...r.tables.natStatic].map(([k, s]) => [s.peering, r.staticOrigin.get(k)?.peering ?? `peering ${s.peering}`]));
    return (this.ops()?.natStaticCounters?.() ?? []).map(({ peering, translations }) => ({ peering: names.get(peering) ?? `peering ${peering}`, translations }));
  }
}

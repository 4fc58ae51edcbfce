// What the document's NAT exposes ask of the dataplane, as keyed tables (pure, no I/O): natStatic for static
// NAT (NAT44 prefix to prefix, NPTv6), and per stateful expose one pool (natPools) with its `as` addresses
// (natPoolPrefixes), the masqueraded sources (natInside) or the published ports (natForwards). The realizer
// diffs two of these.
//
// Pool ids are stable: an expose (peering, VPC, mode, its `ips`) keeps its pool for as long as it exists, so its
// sessions and counters stay with it across generations; new exposes take the lowest id no pool held before.
import type { DesiredState, Expose, NatFiltering } from '../../config/model.ts';
import { problem, type Problem } from '../../config/problem.ts';
import { parseIp, parsePrefix } from '../../dataplane/addr.ts';
import { assign } from '../vpc/desired.ts';
import type { NatForward, NatInside, NatMode, NatPool, NatPoolPrefix, NatStatic } from './dp-tables.ts';

/** Pool ids the napt tables take (tables.yaml natPools: pool 1..65535). */
export const MAX_POOLS = 65535;

/** The masquerade filtering a document that names none gets (docs/nat.md: RFC 4787 REQ-8, the stricter case). */
export const DEFAULT_FILTERING: NatFiltering = 'address-dependent';

const FILTERING: Record<NatFiltering, NatPool['filtering']> = {
  'endpoint-independent': 'endpointIndependent',
  'address-dependent': 'addressDependent',
  'address-and-port-dependent': 'addressAndPortDependent',
};

/** The ids the vpc feature gives (or gave) the document's VPCs and peerings. */
export interface NatIds {
  vrfs: ReadonlyMap<string, number>;
  peerings: ReadonlyMap<string, number>;
}

/** Where an item comes from, for status and for errors (the expose's JSON pointer). */
export interface NatOrigin {
  peering: string;
  vpc: string;
  path: string;
}

export interface NatTables {
  /** By staticKey. */
  natStatic: Map<string, NatStatic>;
  /** By pool id. */
  natPools: Map<number, NatPool>;
  /** By prefixKey. */
  natPoolPrefixes: Map<string, NatPoolPrefix>;
  /** By prefixKey. */
  natInside: Map<string, NatInside>;
  /** By forwardKey. */
  natForwards: Map<string, NatForward>;
}

export interface NatDesired {
  tables: NatTables;
  /** Expose key → pool id: the input of the next computation. */
  pools: Map<string, number>;
  /** Pool id → origin; staticKey → origin. */
  poolOrigin: Map<number, NatOrigin>;
  staticOrigin: Map<string, NatOrigin>;
  problems: Problem[];
}

export const staticKey = (s: Pick<NatStatic, 'peering' | 'vrf' | 'ips'>): string => `${s.peering} ${s.vrf} ${s.ips}`;
export const prefixKey = (p: NatPoolPrefix): string => `${p.pool} ${p.prefix}`;
export const forwardKey = (f: Pick<NatForward, 'pool' | 'proto' | 'addr' | 'port'>): string => `${f.pool} ${f.proto} ${f.addr} ${f.port}`;

export const emptyNatTables = (): NatTables => ({ natStatic: new Map(), natPools: new Map(), natPoolPrefixes: new Map(), natInside: new Map(), natForwards: new Map() });

const canon = (s: string): string => parsePrefix(s)?.text ?? s;
const hostOf = (s: string): string => parseIp(s.slice(0, s.indexOf('/')))?.text ?? s;

/** What identifies a stateful expose across generations. */
function exposeKey(peering: string, vpc: string, e: Expose): string {
  return `${peering}|${vpc}|${e.nat?.mode}|${e.ips.map(canon).sort().join(',')}`;
}

/**
 * The NAT tables of `doc`. `ids`: the VPCs' VRFs and the peerings' ids (features/vpc); exposes of a VPC or
 * peering without one are left out (the vpc feature reports why). `modes`: what the dataplane translates; an
 * expose in another mode (accepted unrealized) is left out. Assumes a document validateDocument() accepted.
 */
export function desiredNat(doc: DesiredState, ids: NatIds, prevPools: ReadonlyMap<string, number>, modes: ReadonlySet<NatMode>): NatDesired {
  const out: NatDesired = { tables: emptyNatTables(), pools: new Map(), poolOrigin: new Map(), staticOrigin: new Map(), problems: [] };
  const stateful: { key: string; e: Expose; peering: number; vrf: number; origin: NatOrigin }[] = [];
  doc.peerings.forEach((p, i) => {
    const peering = ids.peerings.get(p.name);
    if (peering === undefined) return;
    p.sides.forEach((side, j) => {
      const vrf = ids.vrfs.get(side.vpc);
      if (vrf === undefined) return;
      side.expose.forEach((e, k) => {
        const nat = e.nat;
        if (!nat || nat.mode === 'nat64' || !modes.has(nat.mode) || e.default) return;
        const origin = { peering: p.name, vpc: side.vpc, path: `/peerings/${i}/sides/${j}/expose/${k}` };
        if (nat.mode === 'static') {
          e.ips.forEach((ips, n) => {
            const as = e.as?.[n];
            if (as === undefined) return;
            const item = { peering, vrf, ips: canon(ips), as: canon(as) };
            out.tables.natStatic.set(staticKey(item), item);
            out.staticOrigin.set(staticKey(item), origin);
          });
          return;
        }
        stateful.push({ key: exposeKey(p.name, side.vpc, e), e, peering, vrf, origin });
      });
    });
  });

  const poolIds = assign(
    stateful.map((s) => s.key),
    prevPools,
    () => true,
    MAX_POOLS,
  );
  for (const s of stateful) {
    const pool = poolIds.get(s.key);
    if (pool === undefined) {
      out.problems.push(problem('REFUSED', `${s.origin.path}/nat`, `no NAT pool id left (at most ${MAX_POOLS} stateful exposes)`));
      continue;
    }
    out.pools.set(s.key, pool);
    out.poolOrigin.set(pool, s.origin);
    const nat = s.e.nat!;
    const masquerade = nat.mode === 'masquerade';
    out.tables.natPools.set(pool, {
      pool,
      peering: s.peering,
      vrf: s.vrf,
      mode: masquerade ? 'masquerade' : 'portForward',
      // A port forward admits whoever connects to the published port: filtering is masquerade's alone.
      filtering: FILTERING[masquerade ? (nat.filtering ?? DEFAULT_FILTERING) : 'endpoint-independent'],
      idleTimeout: nat.mode === 'masquerade' || nat.mode === 'portForward' ? (nat.idleTimeoutSeconds ?? 0) : 0,
    });
    for (const a of s.e.as ?? []) {
      const item = { pool, prefix: canon(a) };
      out.tables.natPoolPrefixes.set(prefixKey(item), item);
    }
    if (nat.mode === 'masquerade') {
      for (const ip of s.e.ips) {
        const item = { pool, prefix: canon(ip) };
        out.tables.natInside.set(prefixKey(item), item);
      }
    }
    if (nat.mode === 'portForward') {
      const addr = s.e.as?.[0];
      const inside = s.e.ips[0];
      if (addr === undefined || inside === undefined) continue;
      for (const f of nat.ports) {
        const item: NatForward = { pool, proto: f.proto, addr: hostOf(addr), port: f.as, inside: hostOf(inside), insidePort: f.port };
        out.tables.natForwards.set(forwardKey(item), item);
      }
    }
  }
  return out;
}

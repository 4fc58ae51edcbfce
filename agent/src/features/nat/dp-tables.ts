// The NAT tables and operations as this feature uses them (COORDINATION contract of issue 13): the nat module's
// natStatic (stateless NAT44 / NPTv6) and the napt module's natPools, natPoolPrefixes, natInside, natForwards
// (stateful), plus napt's session walk, clear, pool use and per-peering counters. A dataplane build may have
// either module, both or none: what it has is found by trying (natCapabilities).
import type { DataplaneApi, NatForward, NatInside, NatPool, NatPoolPrefix, NatStatic, TableErrorCode } from '../../dataplane/api.ts';

export type { NatCounters, NatForward, NatInside, NatPool, NatPoolPrefix, NatPoolStats, NatSession, NatSessionFilter, NatStatic } from '../../dataplane/api.ts';

export type NatStaticKey = Pick<NatStatic, 'peering' | 'vrf' | 'ips'>;
export type NatForwardKey = Pick<NatForward, 'pool' | 'proto' | 'addr' | 'port'>;

export interface NatStaticTablesApi {
  setNatStatic(items: NatStatic[]): TableErrorCode[];
  delNatStatic(keys: NatStaticKey[]): TableErrorCode[];
}

export interface NaptTablesApi {
  setNatPools(items: NatPool[]): TableErrorCode[];
  delNatPools(pools: number[]): TableErrorCode[];
  setNatPoolPrefixes(items: NatPoolPrefix[]): TableErrorCode[];
  delNatPoolPrefixes(items: NatPoolPrefix[]): TableErrorCode[];
  setNatInside(items: NatInside[]): TableErrorCode[];
  delNatInside(items: NatInside[]): TableErrorCode[];
  setNatForwards(items: NatForward[]): TableErrorCode[];
  delNatForwards(keys: NatForwardKey[]): TableErrorCode[];
}

export type NatOpsApi = Pick<DataplaneApi, 'natSessions' | 'natClear' | 'natPoolStats' | 'natCounters' | 'natStatic' | 'natStaticCounters'>;

/** What the feature writes: either table set may be absent. */
export type NatTablesApi = Partial<NatStaticTablesApi> & Partial<NaptTablesApi> & Partial<NatOpsApi>;

/** What a dataplane build can realize: static mappings (nat module), stateful pools (napt module). */
export interface NatCapabilities {
  static: boolean;
  stateful: boolean;
}

/**
 * Decided by trying: the binding may declare a table its compiled addon lacks, so an empty batch of each write
 * is issued (it changes nothing) and a throw means the table is not there.
 */
function writable(dp: object, names: string[]): boolean {
  for (const n of names) {
    const f = (dp as Record<string, unknown>)[n];
    if (typeof f !== 'function') return false;
    try {
      (f as (items: unknown[]) => unknown).call(dp, []);
    } catch {
      return false;
    }
  }
  return true;
}

export function natCapabilities(dp: object | undefined): NatCapabilities {
  if (!dp) return { static: false, stateful: false };
  return {
    static: writable(dp, ['setNatStatic', 'delNatStatic']),
    stateful: writable(dp, ['setNatPools', 'delNatPools', 'setNatPoolPrefixes', 'delNatPoolPrefixes', 'setNatInside', 'delNatInside', 'setNatForwards', 'delNatForwards']),
  };
}

export type NatMode = 'static' | 'masquerade' | 'portForward';

/** The NAT modes of the document a dataplane with these capabilities realizes (nat64 is never among them). */
export function realizedModes(can: NatCapabilities): Set<NatMode> {
  return new Set<NatMode>([...(can.static ? (['static'] as const) : []), ...(can.stateful ? (['masquerade', 'portForward'] as const) : [])]);
}

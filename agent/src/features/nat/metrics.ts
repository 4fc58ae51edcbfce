// gw_nat_* series: napt's per-peering session counters and per-pool use, static NAT's translations per peering, and how many static mappings and pools
// are realized. Read once per scrape from NAT (one counters read and one pool walk of the dataplane). NAT drops
// are the dataplane's drop reasons (napt_*, nat_*) on the existing per-port drop series.
import type { Collectors } from '../../core/feature.ts';
import { NAT } from '../../core/keys.ts';
import { gauge, mirrored, perScrape, type Labels } from '../../metrics/mirror.ts';
import type { NatPeeringCounters } from './status.ts';

export function natCollectors(c: Collectors): void {
  const counters = perScrape(() => c.services.find(NAT)?.counters() ?? []);
  const pools = perScrape(() => c.services.find(NAT)?.pools() ?? []);
  const perPeering = (f: (x: NatPeeringCounters) => number | bigint) => (): [Labels, number][] => counters().map((x): [Labels, number] => [{ peering: x.peering }, Number(f(x))]);

  gauge(c.registry, 'gw_nat_sessions_active', 'NAT sessions in the session table, per peering', ['peering'], perPeering((x) => x.active));
  mirrored(c.registry, 'gw_nat_sessions_created_total', 'NAT sessions created, per peering', ['peering'], perPeering((x) => x.created));
  mirrored(c.registry, 'gw_nat_sessions_expired_total', 'NAT sessions removed (idle timeout, TCP close, clear), per peering', ['peering'], perPeering((x) => x.expired));
  mirrored(c.registry, 'gw_nat_translations_total', 'packets translated by stateful NAT, per peering', ['peering'], perPeering((x) => x.translations));
  const statics = perScrape(() => c.services.find(NAT)?.staticCounters() ?? []);
  mirrored(c.registry, 'gw_nat_static_translations_total', 'packets translated by static NAT (NAT44, NPTv6), per peering', ['peering'], () => statics().map((x): [Labels, number] => [{ peering: x.peering }, Number(x.translations)]));
  gauge(c.registry, 'gw_nat_pool_ports_in_use', 'mappings (pool address + port) in use, per pool', ['pool', 'peering', 'vpc'], () =>
    pools().flatMap((p): [Labels, number][] => (p.stats ? [[{ pool: p.pool, peering: p.peering, vpc: p.vpc }, p.stats.portsInUse]] : [])),
  );
  mirrored(c.registry, 'gw_nat_pool_exhausted_total', 'packets dropped for want of a free port in the pool (napt_ports_exhausted)', ['pool', 'peering', 'vpc'], () =>
    pools().flatMap((p): [Labels, number][] => (p.stats ? [[{ pool: p.pool, peering: p.peering, vpc: p.vpc }, Number(p.stats.exhausted)]] : [])),
  );
  gauge(c.registry, 'gw_nat_pools', 'realized stateful NAT pools, by mode', ['mode'], () =>
    (['masquerade', 'portForward'] as const).map((mode): [Labels, number] => [{ mode }, pools().filter((p) => p.mode === mode).length]),
  );
  gauge(c.registry, 'gw_nat_static_mappings', 'realized static NAT mappings (NAT44 prefix pairs, NPTv6)', [], () => [[{}, c.services.find(NAT)?.statics().length ?? 0]]);
}

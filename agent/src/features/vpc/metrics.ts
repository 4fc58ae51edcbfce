// gw_vpc_* series: traffic and drops per VPC (by its VRF) and traffic per peering, as the vpc module counts
// them, plus what is realized. Read once per scrape from VPC_STATUS (one walk of the realizer's record, one
// counter read from the dataplane).
import type { Collectors } from '../../core/feature.ts';
import { VPC_STATUS } from '../../core/keys.ts';
import { gauge, mirrored, perScrape, type Labels } from '../../metrics/mirror.ts';
import type { PeeringStatus, VpcStatus } from './status.ts';

export function vpcCollectors(c: Collectors): void {
  const read = perScrape(() => c.services.find(VPC_STATUS)?.snapshot());
  type VpcC = NonNullable<VpcStatus['counters']>;
  const perVpc = (f: (x: VpcC) => [Labels, number][]) => (): [Labels, number][] =>
    (read()?.vpcs ?? []).flatMap((v) => (v.counters ? f(v.counters).map(([l, n]): [Labels, number] => [{ vpc: v.name, vrf: v.vrf, ...l }, n]) : []));
  const perPeering = (f: (x: NonNullable<PeeringStatus['counters']>) => number) => (): [Labels, number][] =>
    (read()?.peerings ?? []).flatMap((p): [Labels, number][] => (p.counters ? [[{ peering: p.name }, f(p.counters)]] : []));
  const one = (k: Exclude<keyof VpcC, 'drops'>) => perVpc((x) => [[{}, Number(x[k])]]);

  mirrored(c.registry, 'gw_vpc_rx_packets_total', 'decapsulated packets from a VPC that reached classify (admitted or dropped)', ['vpc', 'vrf'], one('rxPackets'));
  mirrored(c.registry, 'gw_vpc_rx_bytes_total', 'inner IP bytes of those packets', ['vpc', 'vrf'], one('rxBytes'));
  mirrored(c.registry, 'gw_vpc_tx_packets_total', 'packets routed into a VPC through a peering', ['vpc', 'vrf'], one('txPackets'));
  mirrored(c.registry, 'gw_vpc_tx_bytes_total', 'inner IP bytes of those packets', ['vpc', 'vrf'], one('txBytes'));
  mirrored(c.registry, 'gw_vpc_drops_total', 'packets from a VPC that classify dropped, by reason', ['vpc', 'vrf', 'reason'], perVpc((x) => Object.entries(x.drops).map(([reason, n]) => [{ reason }, Number(n)])));
  mirrored(c.registry, 'gw_vpc_peering_packets_total', 'packets routed through a peering (both directions)', ['peering'], perPeering((x) => Number(x.packets)));
  mirrored(c.registry, 'gw_vpc_peering_bytes_total', 'inner IP bytes routed through a peering (both directions)', ['peering'], perPeering((x) => Number(x.bytes)));
  gauge(c.registry, 'gw_vpc_info', 'a realized VPC: its VNI and dataplane VRF (value 1)', ['vpc', 'vni', 'vrf'], () => (read()?.vpcs ?? []).map((v): [Labels, number] => [{ vpc: v.name, vni: v.vni, vrf: v.vrf }, 1]));
  gauge(c.registry, 'gw_vpc_peering_entries', 'classify entries a realized peering holds, by table', ['peering', 'table'], () =>
    (read()?.peerings ?? []).flatMap((p): [Labels, number][] => [
      [{ peering: p.name, table: 'peeringRoutes' }, p.sides[0].reaches.length + p.sides[1].reaches.length],
      [{ peering: p.name, table: 'peeringSources' }, p.sides[0].sources.length + p.sides[1].sources.length],
    ]),
  );
}

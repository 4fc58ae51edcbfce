// gw_vpc_* series: traffic and drops per VPC (by its source VRF) and per peering, as the vpc module counts
// them, plus what is realized. Read once per scrape from VPC_STATUS (one walk of the realizer's record, one
// counter read from the dataplane).
import type { Collectors } from '../../core/feature.ts';
import { VPC_STATUS } from '../../core/keys.ts';
import { gauge, mirrored, perScrape, type Labels } from '../../metrics/mirror.ts';
import type { OverlayCounter } from './dp-tables.ts';

export function vpcCollectors(c: Collectors): void {
  const read = perScrape(() => c.services.find(VPC_STATUS)?.snapshot());
  const perVpc = (f: (x: OverlayCounter) => [Labels, number][]) => (): [Labels, number][] =>
    (read()?.vpcs ?? []).flatMap((v) => (v.counters ? f(v.counters).map(([l, n]): [Labels, number] => [{ vpc: v.name, vrf: v.vrf, ...l }, n]) : []));
  const perPeering = (f: (x: OverlayCounter) => [Labels, number][]) => (): [Labels, number][] =>
    (read()?.peerings ?? []).flatMap((p) => (p.counters ? f(p.counters).map(([l, n]): [Labels, number] => [{ peering: p.name, ...l }, n]) : []));
  const drops = (x: OverlayCounter): [Labels, number][] => Object.entries(x.drops).map(([reason, n]) => [{ reason }, Number(n)]);

  mirrored(c.registry, 'gw_vpc_packets_total', 'packets the overlay received from a VPC (decapsulated, by source VPC)', ['vpc', 'vrf'], perVpc((x) => [[{}, Number(x.packets)]]));
  mirrored(c.registry, 'gw_vpc_bytes_total', 'bytes the overlay received from a VPC (inner packets)', ['vpc', 'vrf'], perVpc((x) => [[{}, Number(x.bytes)]]));
  mirrored(c.registry, 'gw_vpc_drops_total', 'packets from a VPC the overlay dropped, by reason', ['vpc', 'vrf', 'reason'], perVpc(drops));
  mirrored(c.registry, 'gw_vpc_peering_packets_total', 'packets a peering carried (both directions)', ['peering'], perPeering((x) => [[{}, Number(x.packets)]]));
  mirrored(c.registry, 'gw_vpc_peering_bytes_total', 'bytes a peering carried (inner packets, both directions)', ['peering'], perPeering((x) => [[{}, Number(x.bytes)]]));
  mirrored(c.registry, 'gw_vpc_peering_drops_total', 'packets of a peering the overlay dropped, by reason', ['peering', 'reason'], perPeering(drops));
  gauge(c.registry, 'gw_vpc_info', 'a realized VPC: its VNI and dataplane VRF (value 1)', ['vpc', 'vni', 'vrf'], () => (read()?.vpcs ?? []).map((v): [Labels, number] => [{ vpc: v.name, vni: v.vni, vrf: v.vrf }, 1]));
  gauge(c.registry, 'gw_vpc_peering_entries', 'classify entries a realized peering holds, by table', ['peering', 'table'], () =>
    (read()?.peerings ?? []).flatMap((p): [Labels, number][] => [
      [{ peering: p.name, table: 'peeringRoutes' }, p.sides[0].reaches.length + p.sides[1].reaches.length],
      [{ peering: p.name, table: 'peeringSources' }, p.sides[0].sources.length + p.sides[1].sources.length],
    ]),
  );
}

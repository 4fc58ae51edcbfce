// Scenario "underlay" (containerlab/underlay.clab.yml), realized in network namespaces:
//
//   host1 --eth1-- leaf1 --eth1-----dp1-- gw --dp2-----eth1-- leaf2 --eth2-- host2
//  10.1.1.10     AS 65001  10.0.1.0/31  AS 65000  10.0.2.0/31  AS 65002       10.2.2.10
//   fd01:1::10     \___ both announce 10.100.0.0/24 (anycast) -> ECMP at the gateway ___/    fd02:2::10
//
// gw: vpc-gatewayd with DPDK ports dp1/dp2 (af_xdp), punt taps eth1/eth2 carrying the port addresses,
// FRR (zebra/bgpd/bfdd, -N underlay-gw) rendered from the desired state PUT through the API.
// Success: BGP (v4 + v6) Established with both leafs over the punt taps, BFD up; kernel forwarding off in the
// gateway's namespace and host-to-host ping/TCP forwarded by the workers (their counters prove it); the
// dataplane FIB holds the leaf networks, with ECMP over both leafs for 10.100.0.0/24, and flows to it reach both
// leafs. The checks are shared with the unnumbered variant (underlay-checks.ts).
import { REPO, labScenario } from './scenario.ts';
import { underlayChecks } from './underlay-checks.ts';

describe('lab: underlay (BGP/BFD over the punt path, traffic through the DPDK workers)', function () {
  this.timeout(180_000);
  const hops = { leaf1: '10.0.1.0', leaf2: '10.0.2.0' } as const;
  underlayChecks({
    lab: labScenario('underlay.clab.yml'),
    bootFile: `${REPO}/containerlab/underlay/gw/boot.yaml`,
    sessions: ['10.0.1.0', '10.0.2.0', 'fd00:1::1', 'fd00:2::1'],
    bfdSessions: ['10.0.1.0', '10.0.2.0'],
    bfdName: (p) => p.peer,
    hop: (leaf) => Promise.resolve(hops[leaf]),
    leaf2Asn: 65002,
  });
});

// Scenario "underlay-unnumbered" (containerlab/underlay-unnumbered.clab.yml): the underlay scenario with
// unnumbered leaf links, realized in network namespaces (clab-unn-underlay-*):
//
//   host1 --eth1-- leaf1 --eth1-----dp1-- gw --dp2-----eth1-- leaf2 --eth2-- host2
//  10.1.1.10     AS 65001   fe80::/64  AS 65000   fe80::/64   AS 65002       10.2.2.10
//   fd01:1::10     \___ both announce 10.100.0.0/24 (anycast) -> ECMP at the gateway ___/    fd02:2::10
//
// No addresses on the gateway-leaf links: one eBGP session per link over the IPv6 link-local addresses
// (`neighbor eth1 interface`), carrying IPv4 and IPv6; IPv4 routes arrive with the leaf's link-local address as
// next hop (RFC 8950), and the workers forward IPv4 to the MAC they learned for it by ND.
// Success: the same checks as the numbered underlay (underlay-checks.ts), with the IPv4 next hops being the
// leafs' link-local addresses; plus the extended next hop capability negotiated, BFD on the unnumbered sessions,
// and ICMPv4 errors of the gateway sourced from its router-id.
import { expect } from 'chai';
import { showJson } from '../../agent/src/features/frr/vtysh.ts';
import { must, run } from '../../agent/src/lab/sh.ts';
import { REPO, labScenario } from './scenario.ts';
import { underlayChecks, type Leaf } from './underlay-checks.ts';

describe('lab: underlay-unnumbered (BGP over IPv6 link-local, IPv4 via IPv6 next hops through the DPDK workers)', function () {
  this.timeout(180_000);
  const lab = labScenario('underlay-unnumbered.clab.yml');
  /** The leaf's link-local address on its gateway link: what the gateway forwards IPv4 to. */
  const linkLocal = async (leaf: Leaf): Promise<string> => {
    type A = { addr_info: { family: string; local: string; scope: string }[] }[];
    const a = JSON.parse(await must('ip', ['-n', lab.netns(leaf), '-j', 'addr', 'show', 'dev', 'eth1'])) as A;
    const ll = a[0]?.addr_info.find((x) => x.family === 'inet6' && x.scope === 'link')?.local;
    if (!ll) throw new Error(`${leaf} has no link-local address on eth1`);
    return ll;
  };
  underlayChecks({
    lab,
    bootFile: `${REPO}/containerlab/underlay-unnumbered/gw/boot.yaml`,
    // bgpd names an interface peer by its interface; one session per link carries both families.
    sessions: ['eth1', 'eth2'],
    bfdSessions: ['eth1', 'eth2'],
    bfdName: (p) => p.iface ?? '',
    hop: linkLocal,
    leaf2Asn: 65002,
  });

  it('runs the links unnumbered and negotiates extended next hop (RFC 8950 section 3) on both sessions', async () => {
    const gw = lab.gw();
    const v4 = await run('ip', ['-n', gw.netns, '-4', 'addr', 'show', 'dev', 'eth1']);
    expect(v4.stdout.trim(), 'no IPv4 address on the tap').to.equal('');
    type N = Record<string, { bgpState?: string; neighborCapabilities?: { extendedNexthop?: string } }>;
    for (const port of ['eth1', 'eth2']) {
      const n = await showJson<N>(gw.frrInstance, `show bgp neighbors ${port} json`);
      expect(n?.[port]?.bgpState, port).to.equal('Established');
      expect(n?.[port]?.neighborCapabilities?.extendedNexthop, port).to.equal('advertisedAndReceived');
    }
  });

  it('answers a TTL expiring at the gateway with an ICMPv4 error from its router-id (the ports have no IPv4 address)', async () => {
    // host1 -> leaf1 (TTL 2 -> 1) -> gateway: Time Exceeded (RFC 792), sent back over the unnumbered port.
    const r = await run('ip', ['netns', 'exec', lab.netns('host1'), 'ping', '-n', '-c', '3', '-i', '0.2', '-W', '1', '-t', '2', '10.2.2.10'], { timeoutMs: 10_000 });
    expect(r.stdout).to.match(/From 10\.255\.0\.1 icmp_seq=\d+ Time to live exceeded/);
  });
});

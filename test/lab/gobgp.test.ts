// Scenario "gobgp" (containerlab/gobgp.clab.yml): the gateway with an independent BGP implementation.
//
//   peer (gobgpd) --eth1----------------dp1-- gw (vpc-gatewayd, FRR, DPDK)
//   AS 65010        10.0.5.0/31, fd00:5::/64        AS 65000, punt tap eth1 = 10.0.5.1, fd00:5::2
//
// Success: IPv4 and IPv6 sessions Established over the dataplane's punt path; prefixes GoBGP announces at run
// time appear in the gateway's RIB with GoBGP as next hop and disappear when withdrawn; GoBGP receives the
// gateway's router-id /32 with AS path 65000.
import { expect } from 'chai';
import { showJson } from '../../agent/src/features/frr/vtysh.ts';
import { bgpState, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { must, run, waitFor } from '../../agent/src/lab/sh.ts';
import { labScenario } from './scenario.ts';

type Rib = Record<string, { protocol: string; nexthops: { ip?: string }[] }[]>;

describe('lab: gobgp as an independent peer over the punt path', function () {
  this.timeout(180_000);
  const lab = labScenario('gobgp.clab.yml');
  const peerNs = lab.netns('peer');
  const gobgp = (...args: string[]): Promise<string> => must('ip', ['netns', 'exec', peerNs, 'gobgp', ...args]);
  let gw: GatewayNode;
  const route = async (family: 'ip' | 'ipv6', prefix: string): Promise<Rib[string] | undefined> =>
    (await showJson<Rib>(gw.frrInstance, `show ${family} route ${prefix} json`))?.[prefix];

  before(() => (gw = lab.gw()));

  it('establishes IPv4 and IPv6 sessions with GoBGP', async () => {
    await waitFor(
      'both sessions Established',
      async () => {
        const p = await bgpState(gw);
        return p.length === 2 && p.every((x) => x.state === 'Established');
      },
      90_000,
    );
    const j = JSON.parse(await gobgp('neighbor', '-j')) as { state: { neighbor_address: string; session_state: number | string } }[];
    // GoBGP's JSON encodes ESTABLISHED as 6 (or the name, depending on the build).
    expect(j.map((n) => String(n.state.session_state))).to.satisfy((s: string[]) => s.every((x) => x === '6' || /established/i.test(x)));
  });

  it('learns the prefixes GoBGP announces at run time, with GoBGP as next hop', async () => {
    await gobgp('global', 'rib', 'add', '10.50.0.0/24', 'nexthop', '10.0.5.0');
    await gobgp('global', 'rib', '-a', 'ipv6', 'add', 'fd50::/64', 'nexthop', 'fd00:5::1');
    const v4 = await waitFor('10.50.0.0/24 in the RIB', () => route('ip', '10.50.0.0/24'), 30_000);
    const v6 = await waitFor('fd50::/64 in the RIB', () => route('ipv6', 'fd50::/64'), 30_000);
    expect(v4[0]!.protocol).to.equal('bgp');
    expect(v4[0]!.nexthops.map((n) => n.ip)).to.deep.equal(['10.0.5.0']);
    expect(v6[0]!.protocol).to.equal('bgp');
  });

  it('removes a withdrawn prefix', async () => {
    await gobgp('global', 'rib', 'del', '10.50.0.0/24');
    await waitFor('10.50.0.0/24 gone', async () => (await route('ip', '10.50.0.0/24')) === undefined, 30_000);
    expect(await route('ipv6', 'fd50::/64')).to.not.equal(undefined);
  });

  it("announces the gateway's router-id to GoBGP with AS path 65000", async () => {
    const adj = await waitFor(
      '10.255.0.5/32 at GoBGP',
      async () => {
        const r = await run('ip', ['netns', 'exec', peerNs, 'gobgp', 'neighbor', '10.0.5.1', 'adj-in', '10.255.0.5/32', '-j']);
        return r.code === 0 && r.stdout.includes('10.255.0.5/32') ? r.stdout : undefined;
      },
      30_000,
    );
    expect(adj).to.match(/"as_paths?"|65000/);
    expect(adj).to.contain('65000');
  });
});

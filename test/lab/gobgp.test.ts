// Scenario "gobgp" (containerlab/gobgp.clab.yml): the gateway with an independent BGP implementation.
//
//   peer (gobgpd) --eth1----------------dp1-- gw (vpc-gatewayd, FRR, DPDK)
//   AS 65010        10.0.5.0/31, fd00:5::/64        AS 65000, punt tap eth1 = 10.0.5.1, fd00:5::2
//
// Success: IPv4 and IPv6 sessions Established over the dataplane's punt path (GoBGP lists exactly the gateway's
// two addresses); prefixes GoBGP announces at run time appear in the gateway's RIB, installed, with GoBGP's
// address as next hop in both families, and disappear when withdrawn; GoBGP receives the gateway's router-id /32
// with AS path exactly [65000] and next hop 10.0.5.1, and an IPv6 prefix (originated in the running bgpd) with
// next hop fd00:5::2.
import { expect } from 'chai';
import { showJson, vtysh } from '../../agent/src/features/frr/vtysh.ts';
import { bgpState, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { must, run, waitFor } from '../../agent/src/lab/sh.ts';
import { labScenario } from './scenario.ts';

type Rib = Record<string, { protocol: string; selected?: boolean; installed?: boolean; nexthops: { ip?: string; afi?: string; active?: boolean }[] }[]>;

/** One path of `gobgp neighbor X adj-in P -j`: BGP path attributes by type code (RFC 4271 4.3, RFC 4760). */
interface GobgpPath {
  attrs: { type: number; as_paths?: { segment_type: number; asns: number[] }[]; nexthop?: string }[];
}

/** The AS_PATH (type 2) of a path as a flat AS list, and its next hop: NEXT_HOP (type 3) or MP_REACH_NLRI's (14). */
function pathOf(p: GobgpPath): { asPath: number[]; nexthop: string | undefined } {
  const asPath = p.attrs.filter((a) => a.type === 2).flatMap((a) => (a.as_paths ?? []).flatMap((seg) => seg.asns));
  const nexthop = p.attrs.find((a) => a.type === 3)?.nexthop ?? p.attrs.find((a) => a.type === 14)?.nexthop;
  return { asPath, nexthop };
}

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
    const j = JSON.parse(await gobgp('neighbor', '-j')) as { conf: { neighbor_address: string; peer_asn: number }; state: { session_state: number | string } }[];
    expect(j.map((n) => [n.conf.neighbor_address, n.conf.peer_asn]).sort()).to.deep.equal([['10.0.5.1', 65000], ['fd00:5::2', 65000]]);
    // GoBGP's JSON encodes ESTABLISHED as 6 (or the name, depending on the build).
    for (const n of j) expect(String(n.state.session_state), n.conf.neighbor_address).to.match(/^6$|established/i);
  });

  it('learns the prefixes GoBGP announces at run time, with GoBGP as next hop', async () => {
    await gobgp('global', 'rib', 'add', '10.50.0.0/24', 'nexthop', '10.0.5.0');
    await gobgp('global', 'rib', '-a', 'ipv6', 'add', 'fd50::/64', 'nexthop', 'fd00:5::1');
    const v4 = await waitFor('10.50.0.0/24 in the RIB', () => route('ip', '10.50.0.0/24'), 30_000);
    const v6 = await waitFor('fd50::/64 in the RIB', () => route('ipv6', 'fd50::/64'), 30_000);
    for (const [r, nh] of [[v4, '10.0.5.0'], [v6, 'fd00:5::1']] as const) {
      expect(r).to.have.length(1);
      expect(r[0]).to.deep.include({ protocol: 'bgp', selected: true, installed: true });
      expect(r[0]!.nexthops.map((n) => n.ip)).to.deep.equal([nh]);
    }
  });

  it('removes a withdrawn prefix', async () => {
    await gobgp('global', 'rib', 'del', '10.50.0.0/24');
    await waitFor('10.50.0.0/24 gone', async () => (await route('ip', '10.50.0.0/24')) === undefined, 30_000);
    expect(await route('ipv6', 'fd50::/64')).to.not.equal(undefined);
  });

  /** The one path GoBGP holds from `neighbor` for `prefix` (adj-in), once it arrived. */
  const adjIn = async (neighbor: string, family: 'ipv4' | 'ipv6', prefix: string): Promise<GobgpPath> => {
    let last = '';
    return waitFor(
      `${prefix} from ${neighbor} at GoBGP`,
      async () => {
        // The neighbor's whole Adj-RIB-In of the family (a prefix lookup answered {} for the IPv4 /32).
        const r = await run('ip', ['netns', 'exec', peerNs, 'gobgp', 'neighbor', neighbor, 'adj-in', '-a', family, '-j']);
        last = `exit ${r.code}: ${r.stdout.trim() || r.stderr.trim()}`;
        if (r.code !== 0) return undefined;
        const paths = (JSON.parse(r.stdout || '{}') as Record<string, GobgpPath[]>)[prefix];
        return paths?.length === 1 ? paths[0] : undefined;
      },
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last answer ${last.slice(0, 2000)}`);
    });
  };

  it("announces the gateway's router-id to GoBGP with AS path [65000] and next hop the port address", async () => {
    expect(pathOf(await adjIn('10.0.5.1', 'ipv4', '10.255.0.5/32'))).to.deep.equal({ asPath: [65000], nexthop: '10.0.5.1' });
  });

  it('announces IPv6 to GoBGP over the IPv6 session with the port\'s global address as next hop (RFC 2545 3)', async () => {
    // The desired state announces no IPv6 prefix: originate the port's subnet in the running bgpd for this check.
    const r = await vtysh(gw.frrInstance, ['-c', 'conf t', '-c', 'router bgp 65000', '-c', 'address-family ipv6 unicast', '-c', 'network fd00:5::/64']);
    expect(r.code, r.stderr).to.equal(0);
    expect(pathOf(await adjIn('fd00:5::2', 'ipv6', 'fd00:5::/64'))).to.deep.equal({ asPath: [65000], nexthop: 'fd00:5::2' });
  });
});

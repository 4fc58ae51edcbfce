// Scenario "statics" (containerlab/statics.clab.yml): document static routes and BGP routes for the same prefix,
// with zebra as the one RIB.
//
//   peer (gobgpd) --eth1---------------dp1-- gw --dp2---------------eth1-- alt (no BGP)
//   AS 65010        10.0.7.0/31, fd00:7::/64    AS 65000    10.0.8.0/31, fd00:8::/64   fe80::8:1
//   lo 10.60.0.1/24 (announced by GoBGP)                                            lo fd60::1/64
//
// Success: the gateway's static routes are staticd's (rendered into FRR), so zebra installs, per prefix, the route
// with the lowest administrative distance and the dataplane FIB follows it. A static with distance 10 overrides
// GoBGP's route (eBGP, 20) for 10.60.0.0/24 and traffic from alt stops at its blackhole; removing it brings the
// BGP route back into the dataplane and traffic flows again (before: the prefix was deleted from the dataplane
// while zebra still showed it installed). A floating static (250) stays unused until the BGP route is withdrawn,
// then carries the prefix. An IPv6 static goes to alt's link-local address through boot port eth2.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { showJson } from '../../agent/src/features/frr/vtysh.ts';
import { apiPutConfig, bgpState, fib, ping, reachable, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { must, waitFor } from '../../agent/src/lab/sh.ts';
import type { StaticRoute } from '../../agent/src/config/model.ts';
import { labScenario, REPO } from './scenario.ts';

type Rib = Record<string, { protocol: string; distance: number; selected?: boolean; installed?: boolean; nexthops: { ip?: string; interfaceName?: string; unreachable?: boolean; blackhole?: boolean }[] }[]>;

const PREFIX = '10.60.0.0/24';

describe('lab: static routes through zebra, arbitrated with BGP by distance', function () {
  this.timeout(180_000);
  const lab = labScenario('statics.clab.yml');
  const peerNs = lab.netns('peer');
  const altNs = lab.netns('alt');
  const base = JSON.parse(readFileSync(`${REPO}/containerlab/statics/gw/config.json`, 'utf8')) as { staticRoutes: StaticRoute[] };
  const gobgp = (...args: string[]): Promise<string> => must('ip', ['netns', 'exec', peerNs, 'gobgp', ...args]);
  let gw: GatewayNode;

  const put = async (staticRoutes: StaticRoute[]): Promise<void> => {
    const r = await apiPutConfig(gw.apiSocket, { ...base, staticRoutes });
    expect(r.status, JSON.stringify(r.body)).to.be.oneOf([200, 201]);
  };
  /** zebra's selected route for the prefix: protocol, and blackhole or its gateways. */
  const zebraChoice = async (family: 'ip' | 'ipv6', prefix: string): Promise<string | undefined> => {
    const routes = (await showJson<Rib>(gw.frrInstance, `show ${family} route ${prefix} json`))?.[prefix] ?? [];
    const sel = routes.find((r) => r.selected && r.installed);
    if (!sel) return undefined;
    const bh = sel.nexthops.some((n) => n.blackhole || n.unreachable);
    return `${sel.protocol} ${bh ? 'blackhole' : sel.nexthops.map((n) => n.ip).sort().join(',')}`;
  };
  /** The dataplane's route for the prefix, in the same form. */
  const dataplaneChoice = async (prefix: string): Promise<string | undefined> => {
    const r = (await fib(gw)).find((x) => x.prefix === prefix);
    return r && (r.kind === 'unicast' ? [...r.via].sort().join(',') : r.kind);
  };
  /** Waits until zebra selected `want` for the prefix and the dataplane FIB holds the same. */
  const converged = async (family: 'ip' | 'ipv6', prefix: string, want: string): Promise<void> => {
    let last = '';
    await waitFor(
      `${prefix}: zebra selects ${want} and the dataplane follows`,
      async () => {
        const z = await zebraChoice(family, prefix);
        const d = await dataplaneChoice(prefix);
        last = `zebra ${z}, dataplane ${d}`;
        return z === want && d === want.split(' ')[1];
      },
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last: ${last}`);
    });
  };

  before(async () => {
    gw = lab.gw();
    await waitFor('BGP with GoBGP Established', async () => (await bgpState(gw)).some((p) => p.state === 'Established'), 90_000);
    await gobgp('global', 'rib', 'add', PREFIX, 'nexthop', '10.0.7.0');
  });

  it('installs the BGP-learned prefix in the dataplane and forwards to it', async () => {
    await converged('ip', PREFIX, 'bgp 10.0.7.0');
    expect(await reachable(altNs, '10.60.0.1')).to.equal(true);
  });

  it('a static with a lower distance than eBGP wins in zebra, and the dataplane follows (blackhole)', async () => {
    await put([{ prefix: PREFIX, nexthops: [], blackhole: true, distance: 10 }]);
    await converged('ip', PREFIX, 'static blackhole');
    // zebra keeps the BGP route as a candidate: that is what removing the static falls back to.
    const rib = (await showJson<Rib>(gw.frrInstance, `show ip route ${PREFIX} json`))![PREFIX]!;
    expect(rib.map((r) => `${r.protocol} ${r.distance} ${r.selected ? 'selected' : '-'}`).sort()).to.deep.equal(['bgp 20 -', 'static 10 selected']);
    expect((await ping(altNs, '10.60.0.1', 5)).received).to.equal(0);
  });

  it('removing the static falls back to the BGP route in the dataplane, and traffic flows again', async () => {
    await put([]);
    await converged('ip', PREFIX, 'bgp 10.0.7.0');
    expect(await reachable(altNs, '10.60.0.1')).to.equal(true);
    expect((await ping(altNs, '10.60.0.1', 5)).received).to.equal(5);
  });

  it('a floating static (distance 250) carries the prefix only while the BGP route is withdrawn', async () => {
    await put([{ prefix: PREFIX, nexthops: [{ ip: '10.0.8.0', port: 'eth2' }], distance: 250 }]);
    await waitFor('the static in zebra', async () => ((await showJson<Rib>(gw.frrInstance, `show ip route ${PREFIX} json`))?.[PREFIX] ?? []).some((r) => r.protocol === 'static'), 30_000);
    await converged('ip', PREFIX, 'bgp 10.0.7.0');
    await gobgp('global', 'rib', 'del', PREFIX);
    await converged('ip', PREFIX, 'static 10.0.8.0');
    await gobgp('global', 'rib', 'add', PREFIX, 'nexthop', '10.0.7.0');
    await converged('ip', PREFIX, 'bgp 10.0.7.0');
    expect(await reachable(altNs, '10.60.0.1')).to.equal(true);
  });

  it('routes IPv6 to a link-local next hop through a boot port', async () => {
    await put([{ prefix: 'fd60::/64', nexthops: [{ ip: 'fe80::8:1', port: 'eth2' }] }]);
    await converged('ipv6', 'fd60::/64', 'static fe80::8:1');
    expect(await reachable(peerNs, 'fd60::1')).to.equal(true);
    expect((await ping(peerNs, 'fd60::1', 5)).received).to.equal(5);
  });
});

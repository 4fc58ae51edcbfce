// Scenario "pol" (containerlab/pol.clab.yml): BGP policy and session protection at the gateway (issue 12), with
// real FRR leafs and a GoBGP peer; the gateway's FRR on the kernel path (what is exchanged, not how packets move).
//
//            10.255.1.1/32, 10.11.0.0/24, 192.0.2.0/24 (outside the gateway's import policy)
//   leaf1 AS 65001 --eth1-----------eth1-- gw AS 65000 --eth2-----------eth1-- leaf2 AS 65002
//      |  10.0.1.0/31  (GTSM, ttl-security hops 1)      router-id 10.255.0.9        10.0.2.0/31 (TCP MD5)
//      |                                                 10.99.0.1/32 (raw fragment)   |   10.255.2.2/32, 10.12.0.0/24,
//      +--eth2-------------------- 10.0.12.0/31 -------------------------------eth2---+   10.99.0.1/32 (second path)
//                                         | eth3 10.0.3.0/31
//                                     peer (GoBGP) AS 65010: maximum-prefix 3 at the gateway
//
// Success: the gateway accepts from the leafs only what its import policy allows and counts what it filtered; it
// announces to each leaf only what it originates (no transit between leafs, RFC 8212 on); a TCP MD5 password it
// reads from a secret file brings leaf2's session up, a wrong or missing one keeps it down (kernel counters say
// why) and the password never shows; a leaf that stops sending with TTL 255 is refused (GTSM); drain moves
// leaf1's best path for 10.99.0.1/32 off the gateway (RFC 8326) and undrain back; a peer over its
// maximum-prefix is torn down (log line, status condition, metric) and comes back after the restart interval;
// a raw fragment FRR refuses is a 422 at its path.
import { expect } from 'chai';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { showJson, vtysh } from '../../agent/src/features/frr/vtysh.ts';
import { apiGet, apiPutConfig, apiSend, bgpState, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { LAB_RUN } from '../../agent/src/lab/runner.ts';
import { must, run, waitFor } from '../../agent/src/lab/sh.ts';
import { labScenario, REPO } from './scenario.ts';

type Doc = {
  gateway: {
    neighbors: { ip: string; asn: number; passwordFile?: string }[];
    frrFragments?: { routerBgp?: string; global?: string };
  };
};
const initial = (): Doc => JSON.parse(readFileSync(`${REPO}/containerlab/pol/gw/config.json`, 'utf8')) as Doc;

type Adj = { advertisedRoutes?: Record<string, unknown>; receivedRoutes?: Record<string, unknown>; totalPrefixCounter?: number; filteredPrefixCounter?: number };
type BgpPrefix = { paths?: { valid?: boolean; bestpath?: { overall?: boolean }; multipath?: boolean; locPrf?: number; community?: { string?: string }; nexthops?: { ip: string }[]; peer?: { peerId?: string } }[] };
type Cond = { object: string; type: string; status: string; reason: string; message?: string };

const LEAF1 = '10.0.1.0';
const LEAF2 = '10.0.2.0';
const PEER = '10.0.3.0';

describe('lab: pol (BGP import/export policy, MD5, GTSM, drain, maximum-prefix, fragments)', function () {
  this.timeout(240_000);
  const lab = labScenario('pol.clab.yml');
  const leaf1 = lab.netns('leaf1');
  const peerNs = lab.netns('peer');
  const leaf2 = lab.netns('leaf2');
  const gobgp = (...args: string[]): Promise<string> => must('ip', ['netns', 'exec', peerNs, 'gobgp', ...args]);
  const gwctl = (...args: string[]): ReturnType<typeof run> => run(`${REPO}/bin/gwctl`, ['-s', gw.apiSocket, ...args]);
  let gw: GatewayNode;
  let secrets: string;

  const state = async (peer: string): Promise<string | undefined> => (await bgpState(gw)).find((p) => p.peer === peer)?.state;
  const established = (peer: string, timeoutMs = 60_000): Promise<unknown> =>
    waitFor(`${peer} Established`, async () => (await state(peer)) === 'Established', timeoutMs);
  /** A TcpExt counter of a node's network namespace (nstat -a: absolute values). */
  const tcpExt = async (name: string, ns = gw.netns): Promise<number> => {
    const out = await must('ip', ['netns', 'exec', ns, 'nstat', '-az', name]);
    return Number(new RegExp(`${name}\\s+(\\d+)`).exec(out)?.[1] ?? NaN);
  };
  const conditions = async (): Promise<Cond[]> => (await apiGet<{ conditions: Cond[] }>(gw.apiSocket, '/v1/status')).conditions;
  const metric = async (name: string, peer: string): Promise<number | undefined> => {
    const m = (await apiSend(gw.apiSocket, 'GET', '/metrics')).body;
    const v = new RegExp(`^${name}\\{peer="${peer.replace(/\./g, '\\.')}"\\} (\\d+)$`, 'm').exec(m)?.[1];
    return v === undefined ? undefined : Number(v);
  };
  const leafPaths = async (ns: string, prefix: string): Promise<NonNullable<BgpPrefix['paths']>> =>
    (await showJson<BgpPrefix>(ns, `show bgp ipv4 unicast ${prefix} json`))?.paths ?? [];
  const put = async (doc: Doc): Promise<void> => {
    const r = await apiPutConfig(gw.apiSocket, doc);
    expect(r.status, JSON.stringify(r.body)).to.be.oneOf([200, 201]);
  };

  before(() => {
    gw = lab.gw();
    secrets = join(gw.runDir, 'secrets');
    mkdirSync(secrets, { recursive: true, mode: 0o700 });
  });

  it('accepts from a leaf only what its import policy allows, and counts what it filtered', async () => {
    await established(LEAF1, 90_000);
    type Rib = Record<string, unknown>;
    const rib = await waitFor(
      "leaf1's networks in the gateway's RIB",
      async () => {
        const r = await showJson<Rib>(gw.frrInstance, 'show ip route bgp json');
        return r?.['10.11.0.0/24'] && r['10.255.1.1/32'] ? r : undefined;
      },
      30_000,
    );
    // 192.0.2.0/24 is outside the import policy (10.0.0.0/8 le 32): received, kept in Adj-RIB-In, refused.
    expect(rib).to.not.have.property('192.0.2.0/24');
    const recv = await showJson<Adj>(gw.frrInstance, `show bgp ipv4 unicast neighbors ${LEAF1} received-routes json`);
    expect(Object.keys(recv?.receivedRoutes ?? {})).to.include('192.0.2.0/24');
    expect(recv?.filteredPrefixCounter).to.be.at.least(1);
    expect(await metric('gw_bgp_neighbor_prefixes_filtered', LEAF1)).to.equal(recv?.filteredPrefixCounter);
  });

  it('announces to a leaf only what the gateway originates: no transit between leafs (default export, RFC 8212 on)', async () => {
    // leaf1 sends the gateway leaf2's networks too (it learns them over their direct link): they must not go back.
    await waitFor('leaf2 networks learned via leaf1', async () => !!(await showJson<Record<string, unknown>>(gw.frrInstance, 'show ip route 10.12.0.0/24 json'))?.['10.12.0.0/24'], 30_000);
    const adv = await waitFor(
      'the gateway announcing its own routes to leaf1',
      async () => {
        const a = await showJson<Adj>(gw.frrInstance, `show bgp ipv4 unicast neighbors ${LEAF1} advertised-routes json`);
        const k = Object.keys(a?.advertisedRoutes ?? {});
        return k.includes('10.99.0.1/32') && k.includes('10.255.0.9/32') ? k : undefined;
      },
      30_000,
    );
    expect(adv.sort()).to.deep.equal(['10.255.0.9/32', '10.99.0.1/32']);
    // What leaf1 holds from the gateway: the same two, nothing of leaf2's or the GoBGP peer's.
    const fromGw = await showJson<{ routes?: Record<string, unknown> }>(leaf1, 'show bgp ipv4 unicast neighbors 10.0.1.1 routes json');
    expect(Object.keys(fromGw?.routes ?? {}).sort()).to.deep.equal(['10.255.0.9/32', '10.99.0.1/32']);
  });

  it('keeps a session whose TCP MD5 password it lacks or gets wrong down, and brings it up with the one from the secret file (RFC 2385)', async () => {
    // leaf2 expects signed segments; the gateway's document names no password file yet: leaf2's kernel drops
    // the gateway's unsigned connection attempts (RFC 2385 section 2.0: no signature, no segment).
    const notFound = await tcpExt('TcpExtTCPMD5NotFound', leaf2);
    await waitFor('unsigned segments dropped by leaf2', async () => (await tcpExt('TcpExtTCPMD5NotFound', leaf2)) > notFound, 60_000);
    expect(await state(LEAF2)).to.not.equal('Established');

    const good = join(secrets, 'leaf2.md5');
    writeFileSync(good, 'pol-md5-secret\n', { mode: 0o600 });
    chmodSync(good, 0o600);
    const doc = initial();
    doc.gateway.neighbors.find((n) => n.ip === LEAF2)!.passwordFile = good;
    await put(doc);
    await established(LEAF2, 60_000);
    // The password is in force but shows nowhere: rendered config, stored document, audit log.
    const conf = (await apiSend(gw.apiSocket, 'GET', '/v1/frr/config')).body;
    expect(conf).to.contain(`neighbor ${LEAF2} password <redacted>`);
    for (const path of ['/v1/frr/config', '/v1/config', '/v1/audit', '/v1/status']) {
      expect((await apiSend(gw.apiSocket, 'GET', path)).body, path).to.not.contain('pol-md5-secret');
    }

    const wrong = join(secrets, 'leaf2-wrong.md5');
    writeFileSync(wrong, 'not-the-secret\n', { mode: 0o600 });
    doc.gateway.neighbors.find((n) => n.ip === LEAF2)!.passwordFile = wrong;
    const failures = await tcpExt('TcpExtTCPMD5Failure', leaf2);
    await put(doc);
    await waitFor('leaf2 down with the wrong password', async () => (await state(LEAF2)) !== 'Established', 30_000);
    // The reason: the gateway's segments carry a signature that does not match, counted by leaf2's kernel.
    await waitFor('MD5 signature failures counted', async () => (await tcpExt('TcpExtTCPMD5Failure', leaf2)) > failures, 60_000);
    expect(await state(LEAF2)).to.not.equal('Established');
    const down = (await conditions()).find((c) => c.object === `bgp/${LEAF2}`);
    expect(down).to.deep.include({ status: 'False', reason: 'PeerDown' });

    // A secret file readable by everyone is refused at the field naming it, before anything is applied.
    chmodSync(wrong, 0o644);
    const r = await apiPutConfig(gw.apiSocket, doc);
    expect(r.status).to.equal(422);
    expect((r.body as { problems?: { path: string }[] }).problems?.map((p) => p.path)).to.include('/gateway/neighbors/1/passwordFile');

    doc.gateway.neighbors.find((n) => n.ip === LEAF2)!.passwordFile = good;
    await put(doc);
    await established(LEAF2, 60_000);
  });

  it('refuses a leaf that stops sending with TTL 255 (GTSM, RFC 5082 section 3) and takes it back when it does again', async () => {
    await established(LEAF1);
    const drops = await tcpExt('TcpExtTCPMinTTLDrop');
    await vtysh(leaf1, ['-c', 'conf t', '-c', 'router bgp 65001', '-c', 'no neighbor 10.0.1.1 ttl-security hops 1']);
    await vtysh(leaf1, ['-c', `clear bgp ipv4 unicast 10.0.1.1`]);
    await waitFor('segments below the minimum TTL dropped by the gateway', async () => (await tcpExt('TcpExtTCPMinTTLDrop')) > drops, 60_000);
    expect(await state(LEAF1)).to.not.equal('Established');
    await vtysh(leaf1, ['-c', 'conf t', '-c', 'router bgp 65001', '-c', 'neighbor 10.0.1.1 ttl-security hops 1']);
    await vtysh(leaf1, ['-c', `clear bgp ipv4 unicast 10.0.1.1`]);
    // The gateway's own half-open attempt (accepted by leaf1 while it did not check) would otherwise wait out its timers.
    await vtysh(gw.frrInstance, ['-c', `clear bgp ipv4 unicast ${LEAF1}`]);
    await established(LEAF1, 90_000);
  });

  it('drain moves leaf1 off the gateway for 10.99.0.1/32 (RFC 8326 GRACEFUL_SHUTDOWN), undrain moves it back', async () => {
    await established(LEAF1);
    const viaGw = (p: NonNullable<BgpPrefix['paths']>[number]): boolean => p.peer?.peerId === '10.0.1.1';
    // Both paths equal before: the gateway's is one of leaf1's multipaths.
    const before = await waitFor('two paths at leaf1', async () => {
      const p = await leafPaths(leaf1, '10.99.0.1/32');
      return p.length === 2 && p.every((x) => x.multipath || x.bestpath?.overall) ? p : undefined;
    }, 30_000);
    expect(before.find(viaGw)?.locPrf ?? 100).to.equal(100);

    // As an operator does it: gwctl drain (PUT /v1/frr/drain).
    // A failure below must not leave the gateway drained for the tests after this one.
    try { await drainAndCheck(); } catch (e) { await gwctl('undrain'); throw e; }
  });

  async function drainAndCheck(): Promise<void> {
    const viaGw = (p: NonNullable<BgpPrefix['paths']>[number]): boolean => p.peer?.peerId === '10.0.1.1';
    const d = await gwctl('drain');
    expect(d.code, d.stderr).to.equal(0);
    expect(d.stdout).to.match(/^drained since \d{4}-/);
    expect((await gwctl('show', 'frr')).stdout).to.match(/^drained:\s+yes, since \d{4}-/m);
    // bgpd updates a path's attributes before its best-path run clears the multipath flag: wait for both, as
    // leaf1's forwarding only follows the latter.
    const after = await waitFor('the gateway path at local-preference 0, no longer best or multipath, at leaf1', async () => {
      const p = await leafPaths(leaf1, '10.99.0.1/32');
      const g = p.find(viaGw);
      return g && g.locPrf === 0 && !g.multipath && !g.bestpath?.overall && p.some((x) => !viaGw(x) && x.bestpath?.overall) ? p : undefined;
    }, 30_000);
    const g = after.find(viaGw)!;
    expect(g.community?.string ?? '').to.match(/graceful-shutdown|gshut/);
    expect(g.bestpath?.overall ?? false).to.equal(false);
    expect(g.multipath ?? false).to.equal(false);
    expect(after.find((p) => !viaGw(p))?.bestpath?.overall).to.equal(true);
    // What the gateway receives gets local-preference 0 as well.
    await waitFor('received routes at local-preference 0 on the gateway', async () => {
      const p = (await showJson<BgpPrefix>(gw.frrInstance, 'show bgp ipv4 unicast 10.11.0.0/24 json'))?.paths ?? [];
      return p.length > 0 && p.every((x) => x.locPrf === 0);
    }, 30_000);
    expect((await conditions()).find((c) => c.object === 'frr/drain')).to.deep.include({ status: 'False', reason: 'Drained' });

    expect((await gwctl('undrain')).stdout.trim()).to.equal('not drained');
    await waitFor('both paths equal again at leaf1', async () => {
      const p = await leafPaths(leaf1, '10.99.0.1/32');
      return p.length === 2 && (p.find(viaGw)?.locPrf ?? 100) === 100 && p.every((x) => x.multipath || x.bestpath?.overall);
    }, 30_000);
    // Health conditions are computed at most once a second: the next computation has no drain.
    await waitFor('no drain condition', async () => (await conditions()).every((c) => c.object !== 'frr/drain'), 5_000);
  }

  it('drain moves running flows off the gateway with no loss (RFC 8326 section 4: traffic leaves before the sessions do)', async () => {
    await established(LEAF1);
    await waitFor('two equal paths at leaf1', async () => {
      const p = await leafPaths(leaf1, '10.99.0.1/32');
      return p.length === 2 && p.every((x) => x.multipath || x.bestpath?.overall) ? p : undefined;
    }, 30_000);
    // 16 flows (one per source address): leaf1 hashes each onto one of its two equal paths, so some cross the
    // gateway (all 16 on leaf2 would be 1 in 65536, and is caught below rather than passing silently).
    const sources = Array.from({ length: 16 }, (_, i) => `10.11.0.${100 + i}`);
    for (const a of sources) await must('ip', ['-n', leaf1, 'addr', 'add', `${a}/32`, 'dev', 'lo']);
    try {
      const echoes = async (): Promise<number> => {
        const out = await must('ip', ['netns', 'exec', gw.netns, 'nstat', '-az', 'IcmpInEchos']);
        return Number(/IcmpInEchos\s+(\d+)/.exec(out)?.[1] ?? NaN);
      };
      // 12 s of pings every 50 ms per flow: they run across the drain.
      const flows = sources.map((a) => run('ip', ['netns', 'exec', leaf1, 'ping', '-n', '-q', '-I', a, '-i', '0.05', '-c', '240', '-W', '1', '10.99.0.1'], { timeoutMs: 30_000 }));
      const e0 = await echoes();
      await new Promise((r) => setTimeout(r, 1000));
      expect((await echoes()) - e0, 'echo requests reaching the gateway before the drain').to.be.greaterThan(0);
      expect((await gwctl('drain')).code).to.equal(0);
      const viaGw = (p: NonNullable<BgpPrefix['paths']>[number]): boolean => p.peer?.peerId === '10.0.1.1';
      await waitFor('the gateway path no longer best or multipath at leaf1', async () => {
        const g = (await leafPaths(leaf1, '10.99.0.1/32')).find(viaGw);
        return g !== undefined && g.locPrf === 0 && !g.multipath && !g.bestpath?.overall;
      }, 30_000);
      await new Promise((r) => setTimeout(r, 500));
      const e1 = await echoes();
      await new Promise((r) => setTimeout(r, 2000));
      expect((await echoes()) - e1, 'echo requests reaching the gateway once drained').to.equal(0);
      for (const f of await Promise.all(flows)) expect(f.stdout, f.stderr).to.match(/240 packets transmitted, 240 received/);
    } finally {
      await gwctl('undrain');
      for (const a of sources) await run('ip', ['-n', leaf1, 'addr', 'del', `${a}/32`, 'dev', 'lo']);
    }
    await waitFor('both paths equal again at leaf1', async () => {
      const p = await leafPaths(leaf1, '10.99.0.1/32');
      return p.length === 2 && p.every((x) => x.multipath || x.bestpath?.overall);
    }, 30_000);
  });

  it('tears down a peer over its maximum-prefix (log line, status condition, metric) and takes it back after the restart interval', async () => {
    await established(PEER, 90_000);
    for (const p of ['10.60.1.0/24', '10.60.2.0/24']) await gobgp('global', 'rib', 'add', p, 'nexthop', PEER);
    await waitFor('two prefixes from the peer', async () => (await bgpState(gw)).find((p) => p.peer === PEER)?.pfxRcd === 2, 30_000);
    // FRR checks the limit before it counts the prefix being received: the (limit + 1)th is still accepted, the
    // update after it tears the session down (Cease, maximum number of prefixes reached, RFC 4486 section 4).
    for (const p of ['10.60.3.0/24', '10.60.4.0/24', '10.60.5.0/24']) await gobgp('global', 'rib', 'add', p, 'nexthop', PEER);
    await waitFor('the limit tripped', async () => (await bgpState(gw)).find((p) => p.peer === PEER)?.maxPrefixExceeded === true, 30_000);
    const cond = await waitFor('MaxPrefixExceeded in /v1/status', async () => (await conditions()).find((c) => c.object === `bgp/${PEER}` && c.reason === 'MaxPrefixExceeded'), 15_000);
    expect(cond.status).to.equal('False');
    expect(await metric('gw_bgp_neighbor_max_prefix_exceeded', PEER)).to.equal(1);
    const log = join(LAB_RUN, 'pol', 'gw.log');
    await waitFor('the trip in the gateway log', async () => readFileSync(log, 'utf8').includes('BGP maximum-prefix exceeded'), 15_000);
    expect(readFileSync(log, 'utf8')).to.match(/"peer":"10\.0\.3\.0".*"limit":3.*BGP maximum-prefix exceeded|BGP maximum-prefix exceeded.*"peer":"10\.0\.3\.0"/);

    // Back under the limit: bgpd lets the session up again after restartMinutes (1).
    for (const p of ['10.60.3.0/24', '10.60.4.0/24', '10.60.5.0/24']) await gobgp('global', 'rib', 'del', p);
    await established(PEER, 100_000);
    expect(await metric('gw_bgp_neighbor_max_prefix_exceeded', PEER)).to.equal(0);
    await waitFor('the recovery in the gateway log', async () => readFileSync(log, 'utf8').includes('BGP session back after maximum-prefix'), 15_000);
  });

  it('refuses a raw fragment line FRR does not parse at its path, with FRR\'s message; marks fragments in force in status', async () => {
    expect((await conditions()).find((c) => c.object === 'frr/fragments')).to.deep.include({ status: 'True', reason: 'RawFragmentsInForce' });
    const doc = initial();
    doc.gateway.frrFragments = { routerBgp: `${doc.gateway.frrFragments!.routerBgp!}\n bgp frobnicate` };
    const r = await apiPutConfig(gw.apiSocket, doc);
    expect(r.status).to.equal(422);
    const p = (r.body as { problems?: { code: string; path: string; detail: string }[] }).problems ?? [];
    expect(p.map((x) => `${x.code} ${x.path}`)).to.deep.equal(['INVALID_VALUE /gateway/frrFragments/routerBgp']);
    expect(p[0]!.detail).to.match(/line 4 "bgp frobnicate": % Unknown command/);
  });
});

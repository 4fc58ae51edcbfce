// Scenario "chaos" (containerlab/chaos.clab.yml): the gateway's FRR daemons die (kill -9) under traffic.
//
//   h1 --eth1-----dp2-- gw --dp1-----eth1-- leaf1 --eth2-----eth1-- h2
//  10.3.3.10   10.3.3.1/24  AS 65000   10.0.1.0/31   AS 65001   10.200.0.1/24    10.200.0.10
//
// Two one-way UDP flows run at once, h1 -> h2 (the gateway's dataplane on its FIB) and h2 -> h1 (leaf1 on the
// routes the gateway announced), while zebra, then bgpd, then bfdd of the gateway is killed. Per daemon:
// - the longest run of lost packets in either direction is at most 1 s: the dataplane keeps forwarding on the
//   lost epoch's routes until the RIB re-converged (routing/stale.ts), leaf1 keeps our routes under graceful
//   restart (RFC 4724 section 4.2, helper), and a dead bfdd does not take BGP down (check-control-plane-failure);
// - the daemon runs again (new pid), and when zebra or bfdd died their clients restarted with them;
// - BGP Established with BFD up, the stale entries swept once bgpd had end-of-RIB, status ok.
import { expect } from 'chai';
import { apiGet, bfdState, bgpState, fib, labSessions, reachable, settled, udpFlow, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { run, waitFor } from '../../agent/src/lab/sh.ts';
import type { FrrSnapshot } from '../../agent/src/features/frr/status.ts';
import type { CpiStatus } from '../../agent/src/features/routing/status.ts';
import { labScenario } from './scenario.ts';

const H1 = '10.3.3.10';
const H2 = '10.200.0.10';
const INTERVAL_MS = 5;
/** Flow length: the kill comes 1 s in, FRR restarts and BGP re-converges well inside the rest. */
const FLOW_PACKETS = 1600;

describe('lab: chaos — FRR daemons of the gateway killed under traffic (coherent restart, stale routes, graceful restart)', function () {
  this.timeout(180_000);
  const lab = labScenario('chaos.clab.yml');
  let gw: GatewayNode;
  before(() => (gw = lab.gw()));

  const frr = (): Promise<FrrSnapshot> => apiGet<FrrSnapshot>(gw.apiSocket, '/v1/frr');
  const cpi = (): Promise<CpiStatus> => apiGet<CpiStatus>(gw.apiSocket, '/v1/cpi');
  /** Dataplane drops per port and reason: where a lost packet died in the gateway, if it did. */
  const dropsByReason = async (): Promise<Map<string, bigint>> => {
    const c = await apiGet<{ ports: { name: string; drops: Record<string, string> }[] }>(gw.apiSocket, '/v1/dataplane/counters');
    return new Map(c.ports.flatMap((p) => Object.entries(p.drops).map(([k, v]) => [`${p.name || 'tap'}:${k}`, BigInt(v)] as [string, bigint])));
  };
  const pids = async (): Promise<Record<string, number | null>> => Object.fromEntries((await frr()).daemons.map((d) => [d.daemon, d.pid]));

  it('converges: BGP and BFD up with leaf1, h2 in the FIB, h1 and h2 reach each other', async () => {
    await waitFor('every session of the lab Established with BFD up and keyed', async () => settled(await labSessions(lab.topo)), 90_000, 100);
    await waitFor('h2 in the FIB', async () => (await fib(gw)).some((r) => r.prefix === '10.200.0.0/24'), 30_000);
    expect(await reachable(lab.netns('h1'), H2)).to.equal(true);
    expect(await reachable(lab.netns('h2'), H1)).to.equal(true);
    await waitFor('the plugin epoch complete with nothing stale', async () => {
      const c = await cpi();
      return c.state === 'established' && c.stale.entries === 0;
    }, 30_000);
  });

  const cases: { daemon: 'zebra' | 'bgpd' | 'bfdd'; restartsWith: string[] }[] = [
    { daemon: 'zebra', restartsWith: ['bgpd', 'bfdd'] },
    { daemon: 'bgpd', restartsWith: [] },
    { daemon: 'bfdd', restartsWith: ['bgpd'] },
  ];
  for (const { daemon, restartsWith } of cases) {
    it(`kill -9 ${daemon}: at most 1 s of loss each way, ${daemon}${restartsWith.length ? ` (+ ${restartsWith.join(', ')})` : ''} back, BGP Established, status ok`, async () => {
      const before = await pids();
      const drops0 = await dropsByReason();
      const restarts0 = (await frr()).counters.daemonRestarts;
      const fwd = udpFlow(lab.netns('h1'), lab.netns('h2'), H2, FLOW_PACKETS, INTERVAL_MS);
      const back = udpFlow(lab.netns('h2'), lab.netns('h1'), H1, FLOW_PACKETS, INTERVAL_MS);
      await Promise.all([fwd.started, back.started]);
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = Date.now();
      process.kill(before[daemon]!, 'SIGKILL');

      // The supervisor restarts it (and the clients that lose their state with it).
      await waitFor(`${daemon} restarted`, async () => {
        const p = await pids();
        return [daemon, ...restartsWith].every((d) => p[d] !== null && p[d] !== before[d]);
      }, 15_000, 50);
      const tBack = Date.now() - t0;
      const [f, b] = await Promise.all([fwd.done, back.done]);
      const after = await pids();
      for (const d of ['zebra', 'bgpd', 'bfdd'].filter((x) => x !== daemon && !restartsWith.includes(x))) {
        expect(after[d], `${d} must not restart for ${daemon}`).to.equal(before[d]);
      }

      await waitFor('BGP Established with leaf1 and BFD up', async () => {
        const [p, bf] = await Promise.all([bgpState(gw), bfdState(gw)]);
        return p.length === 1 && p[0]!.state === 'Established' && bf.length === 1 && bf[0]!.status === 'up';
      }, 60_000, 100);
      await waitFor('stale entries swept', async () => {
        const c = await cpi();
        return c.state === 'established' && c.stale.entries === 0 && !c.stale.sweepPending;
      }, 30_000, 100);
      const c = await cpi();
      const st = await apiGet<{ state: string }>(gw.apiSocket, '/v1/status');
      const fwdMs = Math.round(f.longestGap * f.paceMs);
      const backMs = Math.round(b.longestGap * b.paceMs);
      const at = (r: { longestGap: number; longestGapStart: number; paceMs: number }): string =>
        r.longestGap ? ` from ${Math.round(r.longestGapStart * r.paceMs) - 1000} ms after the kill` : '';
      const drops1 = await dropsByReason();
      const dropped = [...drops1].filter(([k, v]) => v !== (drops0.get(k) ?? 0n)).map(([k, v]) => `${k} +${v - (drops0.get(k) ?? 0n)}`);
      const load = (await run('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
      console.log(
        `      measured: ${daemon} back after ${tBack} ms; outage h1->h2 ${fwdMs} ms${at(f)} (${f.sent - f.received}/${f.sent} lost), ` +
          `h2->h1 ${backMs} ms${at(b)} (${b.sent - b.received}/${b.sent} lost); last sweep ${JSON.stringify(c.stale.lastSweep)}; ` +
          `restarts ${(await frr()).counters.daemonRestarts - restarts0}; gateway drops ${dropped.join(', ') || 'none'}; load ${load}`,
      );
      expect(fwdMs, 'h1 -> h2 outage (gateway dataplane)').to.be.at.most(1000);
      expect(backMs, 'h2 -> h1 outage (leaf1 on our routes)').to.be.at.most(1000);
      expect(st.state).to.equal('ok');
      expect((await fib(gw)).some((r) => r.prefix === '10.200.0.0/24'), 'h2 in the FIB').to.equal(true);
      expect(await reachable(lab.netns('h1'), H2)).to.equal(true);
    });
  }
});

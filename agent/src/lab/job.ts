// The README's main job (`npm run lab`, after scripts/setup.sh): bring a topology up, wait until the gateway
// converged, push traffic between the hosts through it and print what an operator checks first. Leaves the
// lab running (or removes it with --down). Exit code 0 only when everything in the summary is healthy.
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './sh.ts';
import { LabError } from './errors.ts';
import { fibComplete, fibLines, hostNetworks, hostNodes, unroutable } from './expect.ts';
import { apiGet, bfdNeighbors, bfdState, bgpState, fib, forwardedDelta, gatewayNodes, nodeAddresses, ping, portCounters, reachable, tcpTransfer, type GatewayNode } from './observe.ts';
import { down, up } from './runner.ts';
import { loadTopology, type Topology } from './topology.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const flag = (f: string): boolean => args.includes(f);
const opt = (f: string): string | undefined => {
  const i = args.indexOf(f);
  return i >= 0 ? args[i + 1] : undefined;
};
const file = opt('--topology') ?? `${REPO}/containerlab/underlay.clab.yml`;
const t0 = Date.now();
const secs = (): string => ((Date.now() - t0) / 1000).toFixed(1);
const step = (n: number, m: string): void => void process.stdout.write(`[${n}/5 ${secs()} s] ${m}\n`);
const say = (m: string): void => void process.stdout.write(`      ${m}\n`);
let healthy = true;
const mark = (ok: boolean): string => {
  if (!ok) healthy = false;
  return ok ? 'ok  ' : 'FAIL';
};

async function poll<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await f().catch(() => undefined);
  while (v === undefined || !ok(v)) {
    if (Date.now() > end) {
      say(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      if (v === undefined) throw new LabError('LAB_TIMEOUT', what);
      return v;
    }
    await new Promise((r) => setTimeout(r, 250));
    v = await f().catch(() => undefined);
  }
  return v;
}

/** Waits for the gateway's control plane and FIB; returns the expected networks still missing from its FIB. */
async function converge(gw: GatewayNode, expectedPeers: number, expectedNets: string[]): Promise<string[]> {
  await poll(`BGP sessions of ${gw.node}`, () => bgpState(gw), (p) => p.length >= expectedPeers && p.every((x) => x.state === 'Established'), 90_000);
  // Then routes exchanged: a peer that announces nothing is shown with 0 prefixes, not failed.
  const bgp = await poll(`prefixes from every peer of ${gw.node}`, () => bgpState(gw), (p) => p.every((x) => x.pfxRcd > 0), 20_000);
  for (const p of bgp) say(`${mark(p.state === 'Established')} BGP ${p.peer.padEnd(12)} ${p.state.padEnd(12)} ${p.pfxRcd} prefixes received`);
  if (bgp.length < expectedPeers) say(`${mark(false)} BGP ${bgp.length} sessions configured, at least ${expectedPeers} expected (one per link of ${gw.node})`);
  const want = await bfdNeighbors(gw);
  const bfd = await poll(`BFD sessions of ${gw.node}`, () => bfdState(gw), (p) => want.every((n) => p.some((x) => x.peer === n && x.status === 'up')), 30_000);
  for (const p of bfd) say(`${mark(p.status === 'up')} BFD ${p.peer.padEnd(12)} ${(p.iface ?? '').padEnd(6)} ${p.status}`);
  for (const n of want.filter((w) => !bfd.some((p) => p.peer === w))) say(`${mark(false)} BFD ${n.padEnd(12)} no session`);
  if (want.length === 0) say('     BFD not configured for any neighbor');
  // The expected set comes from the topology (every host network), so an absent route is a FAIL line.
  const routes = await poll(`the host networks in the FIB of ${gw.node}`, () => fib(gw), (r) => fibComplete(expectedNets, r), 20_000);
  for (const l of fibLines(expectedNets, routes)) say(`${mark(l.ok)} ${l.text}`);
  const ecmp = routes.filter((r) => r.via.length > 1);
  // ECMP is expected where the gateway has two or more IPv4 BGP peers (the leaf pairs of the topologies).
  const v4Peers = bgp.filter((p) => p.state === 'Established' && !p.peer.includes(':')).length;
  say(`${v4Peers >= 2 ? mark(ecmp.length > 0) : 'ok  '} FIB ${routes.length} routes, ${ecmp.length} with ECMP`);
  // What the gateway says of itself: ok, or degraded with the reason of each condition that is not.
  type Status = { state: string; conditions: { object: string; status: string; reason: string; message?: string }[] };
  const st = await poll(`an ok status from ${gw.node}`, () => apiGet<Status>(gw.apiSocket, '/v1/status'), (x) => x.state === 'ok', 20_000);
  say(`${mark(st.state === 'ok')} status ${st.state}`);
  for (const c of st.conditions.filter((x) => x.status !== 'True')) say(`     ${c.object} ${c.status} ${c.reason}${c.message ? `: ${c.message}` : ''}`);
  return expectedNets.filter((n) => !routes.some((r) => r.prefix === n));
}

async function traffic(t: Topology, gw: GatewayNode, missing: string[]): Promise<void> {
  const hosts = hostNodes(t);
  if (hosts.length < 2) {
    say('     no pair of host nodes in this topology: no traffic test');
    return;
  }
  const [a, b] = [hosts[0]!, hosts[hosts.length - 1]!];
  const addrB = await nodeAddresses(b);
  const dsts = [...addrB.v4.slice(0, 1), ...addrB.v6.slice(0, 1)];
  // Traffic to a network the FIB lacks cannot cross the gateway: say so rather than wait for it.
  const blocked = new Map(dsts.map((d) => [d, unroutable(d, missing)]));
  const routed = dsts.filter((d) => blocked.get(d)!.length === 0);
  for (const dst of routed) await reachable(a.netns, dst, 30_000);
  const before = await portCounters(gw);
  for (const dst of dsts) {
    if (!routed.includes(dst)) {
      say(`${mark(false)} ping ${a.name} -> ${b.name} ${dst}: not sent, ${blocked.get(dst)!.join(', ')} is missing from the FIB`);
      continue;
    }
    const p = await ping(a.netns, dst, 20);
    say(`${mark(p.received === p.sent)} ping ${a.name} -> ${b.name} ${dst}: ${p.received}/${p.sent} replies`);
  }
  const v4 = addrB.v4[0];
  if (v4 && !routed.includes(v4)) say(`${mark(false)} TCP  ${a.name} -> ${b.name}: not sent, ${blocked.get(v4)!.join(', ')} is missing from the FIB`);
  else if (v4) {
    const r = await tcpTransfer(a.netns, b.netns, v4, 20 << 20).catch((e: unknown) => {
      say(`${mark(false)} TCP  ${a.name} -> ${b.name}: ${(e as Error).message.split('\n').pop()}`);
      return undefined;
    });
    if (r) say(`${mark(r.received === 20 << 20)} TCP  ${a.name} -> ${b.name}: ${(r.received / 1e6).toFixed(1)} MB received in ${r.seconds.toFixed(2)} s (${(r.bitsPerSecond / 1e9).toFixed(2)} Gbit/s)`);
  }
  const after = await portCounters(gw);
  const d = forwardedDelta(before, after);
  const total = d.reduce((s, x) => s + x.forwardedIn, 0n);
  for (const x of d) say(`     workers: port ${x.port.padEnd(5)} forwarded in ${x.forwardedIn} pkts, sent out ${x.txOut} pkts`);
  const fwd = await run('ip', ['netns', 'exec', gw.netns, 'sysctl', '-n', 'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding']);
  const kernelOff = fwd.stdout.split('\n').filter(Boolean).every((l) => l.trim() === '0');
  say(`${mark(total > 0n && kernelOff)} traffic crossed the DPDK workers (${total} packets); kernel forwarding in ${gw.netns}: ${kernelOff ? 'off' : 'ON'}`);
}

async function main(): Promise<void> {
  const t = loadTopology(file, opt('--name'));
  step(1, `lab ${t.name} from ${file}`);
  if (flag('--recreate')) await down(t, say);
  const r = await up(t, say);
  step(2, `lab ${r === 'created' ? 'created' : 'was already up'}; waiting for convergence`);
  const gws = gatewayNodes(t);
  const peersOf = (gw: GatewayNode): number => t.links.filter((l) => l.a.node === gw.node || l.b.node === gw.node).length;
  const nets = hostNetworks(t);
  const missing: string[] = [];
  for (const gw of gws) missing.push(...(await converge(gw, peersOf(gw), nets)));
  step(3, 'traffic between the hosts through the gateway');
  if (gws[0]) await traffic(t, gws[0], missing);
  step(4, healthy ? 'all checks passed' : 'SOME CHECKS FAILED (see FAIL above)');
  for (const gw of gws) {
    say(`gateway ${gw.node}: API unix:${gw.apiSocket}   e.g. curl --unix-socket ${gw.apiSocket} http://gw/v1/status`);
    say(`  FRR:   vtysh -N ${gw.frrInstance} -c 'show bgp summary'`);
  }
  say(`nodes: gwctl lab exec ${t.name} <node> <command>   (e.g. gwctl lab exec ${t.name} host1 ping 10.2.2.10)`);
  if (flag('--down')) {
    await down(t);
    step(5, `lab ${t.name} removed (--down)`);
  } else {
    step(5, `lab ${t.name} left running; remove it with: npm run lab -- --down   (or gwctl lab down ${t.name})`);
  }
  process.exitCode = healthy ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`lab: ${(e as Error).message}\n`);
  process.exitCode = 1;
});

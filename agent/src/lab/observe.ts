// What an operator (and the tests) look at in a running lab: BGP/BFD state of a gateway's FRR, its dataplane
// FIB and counters through the gateway API, and traffic between hosts. Every function reads live state;
// nothing is cached.
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { bfdPeers, bgpPeers, showJson, type BfdPeerState, type BgpPeerState } from '../features/frr/vtysh.ts';
import { LabError } from './errors.ts';
import { run } from './sh.ts';
import type { LabNode, Topology } from './topology.ts';

export interface GatewayNode {
  node: string;
  netns: string;
  /** The gateway's instance name (boot `instance`). */
  instance: string;
  /** FRR path space of the gateway (boot frr.instance, else the gateway instance). */
  frrInstance: string;
  apiSocket: string;
  /** The gateway's run and state directories (sockets, pid files, stored generations): removed with the lab. */
  runDir: string;
  stateDir: string;
}

/** Gateway nodes of a topology: nodes whose cmd runs vpc-gatewayd, with paths read from their boot config. */
export function gatewayNodes(t: Topology): GatewayNode[] {
  const out: GatewayNode[] = [];
  for (const n of t.nodes) {
    const m = n.cmd ? /vpc-gatewayd\s+--config\s+(\S+)/.exec(n.cmd) : null;
    if (!m) continue;
    const bind = n.binds.find((b) => b.target === m[1]);
    if (!bind) throw new LabError('LAB_TOPOLOGY_INVALID', `node ${n.name}: boot config ${m[1]} is not bound from the host`);
    const boot = parse(readFileSync(bind.source, 'utf8')) as { instance?: string; runDir?: string; stateDir?: string; frr?: { instance?: string }; api?: { socket?: string } };
    const instance = boot.instance ?? 'gw';
    const runDir = boot.runDir ?? `/run/vpc-gateway/${instance}`;
    const stateDir = boot.stateDir ?? `/var/lib/vpc-gateway/${instance}`;
    out.push({ node: n.name, netns: n.netns, instance, frrInstance: boot.frr?.instance ?? instance, apiSocket: boot.api?.socket ?? `${runDir}/api.sock`, runDir, stateDir });
  }
  return out;
}

function apiCall(socketPath: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method, timeout: 30_000, headers: { 'x-gw-user': 'lab', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => reject(new LabError('LAB_COMMAND_FAILED', `${method} ${path} on ${socketPath}: ${e.message}`)));
    req.end(body);
  });
}

export async function apiGet<T>(socketPath: string, path: string): Promise<T> {
  const r = await apiCall(socketPath, 'GET', path, {});
  if (r.status >= 300) throw new LabError('LAB_COMMAND_FAILED', `GET ${path}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  try {
    return JSON.parse(r.body) as T;
  } catch (e) {
    throw new LabError('LAB_COMMAND_FAILED', `GET ${path}: ${(e as Error).message}`);
  }
}

/** Any API call with a JSON body (or none): status and the body as text (GET /metrics is not JSON). */
export async function apiSend(socketPath: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  const r = await apiCall(socketPath, method, path, body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, body: r.body };
}

/** PUT a whole desired-state document (If-Match: the generation in force). Returns the HTTP status and body. */
export async function apiPutConfig(socketPath: string, doc: unknown): Promise<{ status: number; body: { code?: string; detail?: string; problems?: { detail: string }[] } }> {
  const cur = await apiCall(socketPath, 'GET', '/v1/config', {});
  const etag = String(cur.headers.etag ?? '');
  const r = await apiCall(socketPath, 'PUT', '/v1/config', { 'content-type': 'application/json', 'if-match': etag }, JSON.stringify(doc));
  return { status: r.status, body: JSON.parse(r.body) as { code?: string; detail?: string } };
}

export interface FibRoute {
  prefix: string;
  kind: string;
  group?: number;
  /** Gateways of the group's members (ECMP when more than one). */
  via: string[];
}

export async function fib(gw: GatewayNode, vrf = 0): Promise<FibRoute[]> {
  const r = await apiGet<{ items: { prefix: string; kind: string; group?: number }[] }>(gw.apiSocket, `/v1/dataplane/routes?vrf=${vrf}`);
  const nh = await apiGet<{ nexthops: { id: number; port: number; gateway?: string }[]; groups: { id: number; members: { nexthop: number }[] }[] }>(
    gw.apiSocket,
    '/v1/dataplane/nexthops',
  );
  const nhs = new Map(nh.nexthops.map((n) => [n.id, n]));
  const groups = new Map(nh.groups.map((g) => [g.id, g]));
  return r.items.map((i) => ({
    ...i,
    via: i.group === undefined ? [] : (groups.get(i.group)?.members ?? []).map((m) => nhs.get(m.nexthop)?.gateway ?? `port ${nhs.get(m.nexthop)?.port}`),
  }));
}

export interface PortCounter {
  port: number;
  name: string;
  rxPackets: bigint;
  txPackets: bigint;
  txBytes: bigint;
  puntPackets: bigint;
  drops: bigint;
}

export async function portCounters(gw: GatewayNode): Promise<PortCounter[]> {
  type P = { port: number; name: string; rxPackets: string; txPackets: string; txBytes: string; puntPackets: string; drops: Record<string, string> };
  const c = await apiGet<{ ports: P[] }>(gw.apiSocket, '/v1/dataplane/counters');
  return c.ports.map((p) => ({
    port: p.port,
    name: p.name,
    rxPackets: BigInt(p.rxPackets),
    txPackets: BigInt(p.txPackets),
    txBytes: BigInt(p.txBytes),
    puntPackets: BigInt(p.puntPackets),
    drops: Object.values(p.drops).reduce((a, b) => a + BigInt(b), 0n),
  }));
}

/** Packets the workers forwarded between ports (received and not punted) from `before` to `after`. */
export function forwardedDelta(before: PortCounter[], after: PortCounter[]): { port: string; forwardedIn: bigint; txOut: bigint; txBytes: bigint }[] {
  return after
    .filter((a) => a.name !== '')
    .map((a) => {
      const b = before.find((x) => x.port === a.port);
      const rx = a.rxPackets - (b?.rxPackets ?? 0n);
      const punt = a.puntPackets - (b?.puntPackets ?? 0n);
      return { port: a.name, forwardedIn: rx - punt, txOut: a.txPackets - (b?.txPackets ?? 0n), txBytes: a.txBytes - (b?.txBytes ?? 0n) };
    });
}

export async function bgpState(gw: GatewayNode): Promise<BgpPeerState[]> {
  return [...(await bgpPeers(gw.frrInstance)).values()];
}

/** BGP neighbors of the gateway configured with BFD (the sessions `bfdState` must show up). */
export async function bfdNeighbors(gw: GatewayNode): Promise<string[]> {
  const j = await showJson<Record<string, { peerBfdInfo?: unknown }>>(gw.frrInstance, 'show bgp neighbors json');
  return Object.entries(j ?? {})
    .filter(([, v]) => v.peerBfdInfo !== undefined)
    .map(([k]) => k);
}

export async function bfdState(gw: GatewayNode): Promise<BfdPeerState[]> {
  return bfdPeers(gw.frrInstance);
}

export interface PingResult {
  sent: number;
  received: number;
}

export async function ping(netns: string, dst: string, count: number, intervalS = 0.2): Promise<PingResult> {
  const r = await run('ip', ['netns', 'exec', netns, 'ping', '-n', '-q', '-c', String(count), '-i', String(intervalS), '-W', '1', dst], {
    timeoutMs: (count * intervalS + 5) * 1000,
  });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  return { sent: Number(m?.[1] ?? count), received: Number(m?.[2] ?? 0) };
}

/** Waits until `dst` answers one ping: the first packets of a path may meet unresolved neighbors. */
export async function reachable(netns: string, dst: string, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) if ((await ping(netns, dst, 1)).received === 1) return true;
  return false;
}

export interface TcpResult {
  /** Bytes the receiver read until the sender closed (the whole transfer, or the call fails). */
  received: number;
  seconds: number;
  bitsPerSecond: number;
}

// A byte-exact transfer: the sender writes N bytes and closes its side; the receiver reads to EOF and answers
// with its count. (iperf3 ends a test without draining the last segments, so its totals are not exact.)
const TCP_SINK = `
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30); print('listening', flush=True)
c, _ = s.accept(); c.settimeout(30); n = 0
while True:
    b = c.recv(1 << 20)
    if not b: break
    n += len(b)
c.sendall(str(n).encode()); c.close()
`;
const TCP_SOURCE = `
import socket, sys, time
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
left = int(sys.argv[3]); chunk = bytes(1 << 16); t = time.monotonic()
while left > 0:
    left -= c.send(chunk[:min(left, len(chunk))])
c.shutdown(socket.SHUT_WR); n = int(c.recv(64) or b'0'); print(n, time.monotonic() - t)
`;

/** TCP transfer of `bytes` from `srcNs` to `dstIp` in `dstNs`. */
export async function tcpTransfer(srcNs: string, dstNs: string, dstIp: string, bytes: number): Promise<TcpResult> {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const sink = run('ip', ['netns', 'exec', dstNs, 'python3', '-c', TCP_SINK, dstIp, port], { timeoutMs: 60_000 });
  // The sink must listen before the source connects: poll its socket rather than sleeping.
  for (let i = 0; i < 200; i++) {
    const ss = await run('ip', ['netns', 'exec', dstNs, 'ss', '-Htln', `sport = :${port}`]);
    if (ss.stdout.trim()) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const src = await run('ip', ['netns', 'exec', srcNs, 'python3', '-c', TCP_SOURCE, dstIp, port, String(bytes)], { timeoutMs: 60_000 });
  await sink;
  const m = /^(\d+) ([\d.]+)/.exec(src.stdout.trim());
  if (src.code !== 0 || !m) throw new LabError('LAB_COMMAND_FAILED', `TCP transfer to ${dstIp}: ${src.stderr.trim() || src.stdout.trim()}`);
  const seconds = Number(m[2]);
  return { received: Number(m[1]), seconds, bitsPerSecond: (Number(m[1]) * 8) / seconds };
}

export interface UdpFlowResult {
  sent: number;
  received: number;
  /** Longest run of consecutive sequence numbers that never arrived. */
  longestGap: number;
  /** Sequence number where that run starts (when it happened: longestGapStart * paceMs after the start). */
  longestGapStart: number;
  /** Sender's actual pace (ms between packets). */
  paceMs: number;
}

// One-way sequence-numbered UDP flow: measures the forward path alone (a ping outage also waits for the
// return path, which is another router's convergence).
const UDP_SINK = `
import socket, sys, json
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((sys.argv[1], int(sys.argv[2]))); s.settimeout(60)
print('listening', flush=True); seen = set()
while True:
    try:
        d, _ = s.recvfrom(64)
    except socket.timeout:
        break
    if d == b'end': break
    seen.add(int(d))
print(json.dumps(sorted(seen)))
`;
const UDP_SOURCE = `
import socket, sys, time
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); dst = (sys.argv[1], int(sys.argv[2]))
n = int(sys.argv[3]); iv = float(sys.argv[4]) / 1000; t0 = time.monotonic()
for i in range(n):
    delay = t0 + i * iv - time.monotonic()
    if delay > 0: time.sleep(delay)
    s.sendto(str(i).encode(), dst)
took = time.monotonic() - t0
time.sleep(1)
for _ in range(20): s.sendto(b'end', dst); time.sleep(0.05)
print(n, took)
`;

/** Starts a one-way UDP flow of `count` packets every `intervalMs`; resolves when it ended and was counted. */
export function udpFlow(srcNs: string, dstNs: string, dstIp: string, count: number, intervalMs: number): { started: Promise<void>; done: Promise<UdpFlowResult> } {
  const port = String(40000 + Math.floor(Math.random() * 20000));
  const sink = run('ip', ['netns', 'exec', dstNs, 'python3', '-c', UDP_SINK, dstIp, port], { timeoutMs: 120_000 });
  const started = (async () => {
    for (let i = 0; i < 200; i++) {
      const ss = await run('ip', ['netns', 'exec', dstNs, 'ss', '-Hunl', `sport = :${port}`]);
      if (ss.stdout.trim()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new LabError('LAB_TIMEOUT', 'UDP sink did not start');
  })();
  const done = (async () => {
    await started;
    const src = await run('ip', ['netns', 'exec', srcNs, 'python3', '-c', UDP_SOURCE, dstIp, port, String(count), String(intervalMs)], { timeoutMs: 120_000 });
    const out = await sink;
    const m = /^(\d+) ([\d.]+)/.exec(src.stdout.trim());
    const lastLine = out.stdout.trim().split('\n').pop() ?? '[]';
    if (src.code !== 0 || !m) throw new LabError('LAB_COMMAND_FAILED', `UDP source: ${src.stderr.trim()}`);
    const seen = new Set(JSON.parse(lastLine) as number[]);
    let longestGap = 0;
    let longestGapStart = 0;
    let gap = 0;
    for (let i = 0; i < count; i++) {
      gap = seen.has(i) ? 0 : gap + 1;
      if (gap > longestGap) {
        longestGap = gap;
        longestGapStart = i - gap + 1;
      }
    }
    return { sent: count, received: seen.size, longestGap, longestGapStart, paceMs: (Number(m[2]) * 1000) / Math.max(1, count - 1) };
  })();
  return { started, done };
}

/** Global addresses of a node's data interfaces, as `ip` reports them now. */
export async function nodeAddresses(n: LabNode): Promise<{ v4: string[]; v6: string[] }> {
  const r = await run('ip', ['-n', n.netns, '-j', 'addr', 'show']);
  const out = { v4: [] as string[], v6: [] as string[] };
  if (r.code !== 0) return out;
  for (const l of JSON.parse(r.stdout) as { ifname: string; addr_info?: { family: string; local: string; scope: string }[] }[]) {
    if (l.ifname === 'lo') continue;
    for (const a of l.addr_info ?? []) {
      if (a.scope !== 'global') continue;
      (a.family === 'inet' ? out.v4 : out.v6).push(a.local);
    }
  }
  return out;
}

/** One BGP session of one router in the lab, with the BFD session that guards it. */
export interface RouterSession {
  router: string;
  peer: string;
  state: string;
  /** bgpd's own counters: a session reset shows as `dropped` growing even when it came back quickly. */
  established: number;
  dropped: number;
  lastReset: string;
  /** BFD status, and whether bfdd's session already carries its local address and interface. */
  bfd?: { status: string; keyed: boolean };
}

/**
 * Every BGP session of every FRR router and gateway of the lab. FRR 8.4's bgpd creates a neighbor's BFD
 * session before the TCP session exists (no local address, no interface) and re-keys it once BGP is
 * Established: bfdd deletes that session and creates a new one, and when the old one was already up the peer
 * sees the new one start Down and resets BGP (Cease/BFD down). A session whose BFD is `keyed` has passed that
 * point and will not reset for this reason any more.
 */
export async function labSessions(t: Topology): Promise<RouterSession[]> {
  const routers = [
    ...t.nodes.filter((n) => n.frr).map((n) => ({ router: n.name, instance: n.netns })),
    ...gatewayNodes(t).map((g) => ({ router: g.node, instance: g.frrInstance })),
  ];
  type Nb = { bgpState?: string; connectionsEstablished?: number; connectionsDropped?: number; lastResetDueTo?: string; peerBfdInfo?: unknown };
  type Bfd = { peer: string; status: string; local?: string; interface?: string };
  const per = await Promise.all(
    routers.map(async ({ router, instance }) => {
      const [nb, bfd] = await Promise.all([showJson<Record<string, Nb>>(instance, 'show bgp neighbors json'), showJson<Bfd[]>(instance, 'show bfd peers json')]);
      return Object.entries(nb ?? {}).map(([peer, v]): RouterSession => {
        const b = v.peerBfdInfo === undefined ? undefined : (bfd ?? []).find((x) => x.peer === peer);
        return {
          router,
          peer,
          state: v.bgpState ?? 'unknown',
          established: v.connectionsEstablished ?? 0,
          dropped: v.connectionsDropped ?? 0,
          lastReset: v.lastResetDueTo ?? '',
          ...(v.peerBfdInfo === undefined ? {} : { bfd: { status: b?.status ?? 'absent', keyed: Boolean(b?.local && b?.interface) } }),
        };
      });
    }),
  );
  return per.flat();
}

/** The lab's control plane at rest: every session Established, every BFD session up and keyed. */
export function settled(s: RouterSession[]): boolean {
  return s.length > 0 && s.every((x) => x.state === 'Established' && (x.bfd === undefined || (x.bfd.status === 'up' && x.bfd.keyed)));
}

/** Sessions that reset between two snapshots, for a failure message ("leaf2 -> 10.0.12.1: 1 reset (BFD down received)"). */
export function resetsBetween(before: RouterSession[], after: RouterSession[], ignore: (s: RouterSession) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const a of after) {
    if (ignore(a)) continue;
    const b = before.find((x) => x.router === a.router && x.peer === a.peer);
    const n = a.dropped - (b?.dropped ?? 0);
    if (n > 0) out.push(`${a.router} -> ${a.peer}: ${n} reset${n > 1 ? 's' : ''} (${a.lastReset}; now ${a.state}, BFD ${a.bfd?.status ?? 'off'})`);
  }
  return out;
}

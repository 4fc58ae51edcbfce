// Three-namespace lab for the dataplane: host A — gateway G — host B, joined by veths. The gateway daemon runs
// in the root namespace and attaches to G's veths (af_xdp) by setns; G's kernel forwarding is off, so every
// routed packet that makes it across went through the DPDK workers. Used by the integration test and benches.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, type Reply } from '../api/http.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;

export function sh(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 << 20 }, (e, out, err) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? ((e as { code: number }).code) : 1) : 0;
      resolve({ code, out, err });
    });
  });
}

export async function must(cmd: string, args: string[]): Promise<string> {
  const r = await sh(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.err || r.out}`);
  return r.out;
}

export const nsExec = (ns: string, args: string[], opts?: { timeoutMs?: number }) => sh('ip', ['netns', 'exec', ns, ...args], opts);

/** Polls `fn` until it returns a value other than undefined/false, or throws after timeoutMs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface Lab {
  prefix: string;
  nsA: string;
  nsG: string;
  nsB: string;
  /** Gateway-side veths (the DPDK ports) and host-side veths. */
  gA: string;
  gB: string;
  hA: string;
  hB: string;
  tapA: string;
  tapB: string;
}

export function labNames(prefix: string): Lab {
  return {
    prefix,
    nsA: `${prefix}-A`,
    nsG: `${prefix}-G`,
    nsB: `${prefix}-B`,
    gA: `${prefix}-ga`,
    gB: `${prefix}-gb`,
    hA: `${prefix}-ha`,
    hB: `${prefix}-hb`,
    tapA: `${prefix}-ta`,
    tapB: `${prefix}-tb`,
  };
}

/** Removes everything a previous (possibly crashed) run with this prefix left behind. */
export async function destroyLab(l: Lab): Promise<void> {
  for (const ns of [l.nsA, l.nsG, l.nsB]) await sh('ip', ['netns', 'del', ns]);
}

export async function createLab(prefix: string): Promise<Lab> {
  const l = labNames(prefix);
  await destroyLab(l);
  for (const ns of [l.nsA, l.nsG, l.nsB]) {
    await must('ip', ['netns', 'add', ns]);
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  await must('ip', ['link', 'add', l.hA, 'netns', l.nsA, 'type', 'veth', 'peer', 'name', l.gA, 'netns', l.nsG]);
  await must('ip', ['link', 'add', l.hB, 'netns', l.nsB, 'type', 'veth', 'peer', 'name', l.gB, 'netns', l.nsG]);
  await must('ip', ['-n', l.nsA, 'addr', 'add', '10.0.1.2/24', 'dev', l.hA]);
  await must('ip', ['-n', l.nsB, 'addr', 'add', '10.0.2.2/24', 'dev', l.hB]);
  await must('ip', ['-n', l.nsA, 'addr', 'add', '2001:db8:1::2/64', 'dev', l.hA, 'nodad']);
  await must('ip', ['-n', l.nsB, 'addr', 'add', '2001:db8:2::2/64', 'dev', l.hB, 'nodad']);
  for (const [ns, dev] of [[l.nsA, l.hA], [l.nsB, l.hB], [l.nsG, l.gA], [l.nsG, l.gB]] as const) {
    await must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  // veth leaves TCP/UDP checksums to "hardware" (CHECKSUM_PARTIAL); AF_XDP hands such frames to userspace
  // unfinished, so a real NIC's job is done here by making the hosts compute them.
  for (const [ns, dev] of [[l.nsA, l.hA], [l.nsB, l.hB]] as const) await must('ip', ['netns', 'exec', ns, 'ethtool', '-K', dev, 'tx', 'off']);
  await must('ip', ['-n', l.nsA, 'route', 'add', 'default', 'via', '10.0.1.1']);
  await must('ip', ['-n', l.nsB, 'route', 'add', 'default', 'via', '10.0.2.1']);
  await must('ip', ['-n', l.nsA, '-6', 'route', 'add', 'default', 'via', '2001:db8:1::1']);
  await must('ip', ['-n', l.nsB, '-6', 'route', 'add', 'default', 'via', '2001:db8:2::1']);
  await must('ip', ['netns', 'exec', l.nsG, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=0']);
  await must('ip', ['netns', 'exec', l.nsG, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
  return l;
}

/** PMD of the lab's ports: af_xdp (default) or af_packet (GW_TEST_DEVICE_KIND=af_packet). */
export const kind = (): string => (process.env.GW_TEST_DEVICE_KIND === 'af_packet' ? 'net_af_packet' : 'net_af_xdp');

export function bootYaml(l: Lab, dir: string, extra: { memoryMb?: number; routes4?: number; hugepages?: 'auto' | 'off' } = {}): string {
  return `instance: ${l.prefix}
runDir: ${dir}/run
stateDir: ${dir}/state
dataplane:
  eal:
    workerCores: [1]
    controlCore: 0
    hugepages: ${extra.hugepages ?? process.env.GW_TEST_HUGEPAGES ?? 'auto'}
    memoryMb: ${extra.memoryMb ?? process.env.GW_TEST_MEMORY_MB ?? 512}
${extra.routes4 ? `    tables: { maxRoutes4: ${extra.routes4}, maxVrfs: 2 }\n` : ''}  ports:
    - { name: eth1, device: "${kind()}_${l.prefix}a,iface=${l.gA}", netns: ${l.nsG}, tapName: ${l.tapA}, addresses: ["10.0.1.1/24", "2001:db8:1::1/64"] }
    - { name: eth2, device: "${kind()}_${l.prefix}b,iface=${l.gB}", netns: ${l.nsG}, tapName: ${l.tapB}, addresses: ["10.0.2.1/24", "2001:db8:2::1/64"] }
`;
}

export interface Daemon {
  child: ChildProcess;
  dir: string;
  socket: string;
  logFile: string;
  exited: Promise<number | null>;
}

/** Starts vpc-gatewayd with the lab's boot config (or `opts.boot(dir)`); resolves once the API lists
 *  `opts.ports` (default 2) dataplane ports. */
export async function startDaemon(
  l: Lab,
  extra: Parameters<typeof bootYaml>[2] = {},
  opts: { boot?: (dir: string) => string; ports?: number; wrap?: string[] } = {},
): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), `${l.prefix}-`));
  writeFileSync(join(dir, 'boot.yaml'), opts.boot ? opts.boot(dir) : bootYaml(l, dir, extra));
  const logFile = join(dir, 'daemon.log');
  const fd = openSync(logFile, 'a');
  // wrap: a command the daemon is exec'd by (e.g. `unshare -m ...` to change what it sees of the machine)
  const argv = [...(opts.wrap ?? []), join(ROOT, 'bin/vpc-gatewayd'), '--config', join(dir, 'boot.yaml')];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd] });
  writeFileSync(join(tmpdir(), `${l.prefix}.pid`), String(child.pid));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const d: Daemon = { child, dir, socket: join(dir, 'run', 'api.sock'), logFile, exited };
  let dead = false;
  void exited.then(() => (dead = true));
  await until(
    `daemon API with ${opts.ports ?? 2} dataplane ports`,
    async () => {
      if (dead) throw new Error(`daemon exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      const r = await api<{ items: unknown[] }>(d, '/v1/dataplane/ports');
      return r.items.length === (opts.ports ?? 2);
    },
    60_000,
    200,
  );
  return d;
}

/** Kills a daemon left by a crashed earlier run (pid file per prefix). */
export async function killStale(prefix: string): Promise<void> {
  const pidFile = join(tmpdir(), `${prefix}.pid`);
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('vpc-gatewayd') || cmd.includes('agent/src/main.ts')) {
      process.kill(pid, 'SIGTERM');
      await until('stale daemon exit', async () => { try { readFileSync(`/proc/${pid}/stat`); return false; } catch { return true; } }, 15_000);
    }
  } catch {
    // no stale daemon
  }
  rmSync(pidFile, { force: true });
  // Run directories (boot config, logs) of earlier runs.
  for (const e of readdirSync(tmpdir())) if (e.startsWith(`${prefix}-`)) rmSync(join(tmpdir(), e), { recursive: true, force: true });
}

export async function stopDaemon(d: Daemon | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!d) return null;
  if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill(signal);
  const timer = setTimeout(() => d.child.kill('SIGKILL'), 20_000);
  const code = await d.exited;
  clearTimeout(timer);
  return code;
}

export function api<T>(d: Daemon, path: string, method = 'GET'): Promise<T> {
  return apiText(d, path, method).then((body) => (body ? JSON.parse(body) : undefined) as T);
}

export function apiText(d: Daemon, path: string, method = 'GET'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${body}`));
        else resolve(body);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface CounterSnapshot {
  ports: { port: number; name: string; rxPackets: string; rxBytes: string; txPackets: string; txBytes: string; puntPackets: string; drops: Record<string, string> }[];
  workers: { worker: number; busyPolls: string; idlePolls: string; sleeps: string }[];
}

export const counters = (d: Daemon): Promise<CounterSnapshot> => api<CounterSnapshot>(d, '/v1/dataplane/counters');

/** One port's counters in a snapshot (throws when the port is missing). */
export function portCounters(c: CounterSnapshot, name: string): CounterSnapshot['ports'][number] {
  const p = c.ports.find((x) => x.name === name);
  if (!p) throw new Error(`no counters for ${name}`);
  return p;
}

/** CPU seconds (user + system, all threads) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Boot file of a daemon whose ports come from the desired-state document (none at boot); `stateDir` keeps the
 *  stored generations across restarts. */
export function docBoot(l: Lab, dir: string, stateDir: string): string {
  return `instance: ${l.prefix}
runDir: ${dir}/run
stateDir: ${stateDir}
dataplane:
  netns: ${l.nsG}
  eal:
    workerCores: [1]
    controlCore: 0
    hugepages: ${process.env.GW_TEST_HUGEPAGES ?? 'auto'}
    memoryMb: ${process.env.GW_TEST_MEMORY_MB ?? 512}
`;
}

/** The parts of the desired-state document these tests change. */
export interface Doc {
  gateway: { ports: { name: string; device: string; mtu: number; addresses: string[] }[] };
  staticRoutes: { prefix: string; nexthops: { ip: string; port?: string }[] }[];
}

/** PUT /v1/config against the current generation. */
export async function putDoc(d: Daemon, next: Doc): Promise<Reply> {
  const etag = String((await call({ socket: d.socket }, 'GET', '/v1/config')).headers.etag);
  return call({ socket: d.socket }, 'PUT', '/v1/config', next, { 'if-match': etag });
}

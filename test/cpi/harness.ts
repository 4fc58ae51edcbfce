// CPI integration lab: the dataplane lab (host A — gateway G — host B, DPDK ports eth1/eth2 with punt taps in
// G) plus FRR (zebra with our plugin + bgpd, instance gwcp) in G and one gobgpd in A and one in B as
// independent eBGP peers over the punt path. Also a plain veth in G that is not a dataplane port, so routes
// over it are refused. Everything carries the gwcp prefix (another scenario's with useScenario); leftovers of
// a crashed run are removed first.
import { mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { api, createLab, destroyLab, killStale, must, nsExec, sh, until, type Daemon, type Lab, ROOT } from '../dataplane/lab.ts';

export { api, must, nsExec, sh, until, type Daemon, type Lab };

export let PREFIX = 'gwcp';
export let INST = 'gwcp';
export let DIR = '/tmp/gwcp-cpi';
export let ENDPOINT = `ipc://${DIR}/sock/zebra.sock`;
/** The agent's command line before `--config` and extra environment (useScenario). */
let agentCmd: string[] = [join(ROOT, 'bin/vpc-gatewayd')];
let agentEnv: Record<string, string> = {};
let cpiExtra = '';

/**
 * Names (netns, FRR instance, run directory) after another scenario than gwcp, so its test cannot collide with
 * the gwcp tests' leftovers; optionally another agent entry (a test feature added), its environment and more
 * `cpi:` keys (two-space indented lines).
 */
export function useScenario(prefix: string, o: { agentEntry?: string; env?: Record<string, string>; cpi?: string } = {}): void {
  PREFIX = prefix;
  INST = prefix;
  DIR = `/tmp/${prefix}-cpi`;
  ENDPOINT = `ipc://${DIR}/sock/zebra.sock`;
  agentCmd = o.agentEntry ? ['node', '--import', join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), o.agentEntry] : [join(ROOT, 'bin/vpc-gatewayd')];
  agentEnv = o.env ?? {};
  cpiExtra = o.cpi ?? '';
}
export const PLUGIN = join(ROOT, 'zebra-plugin/build/gw_zebra_plugin.so');
/** Plain veth in G (not a dataplane port) and its subnet. */
export const FOREIGN = { dev: 'gwcp-xg', peer: 'gwcp-xh', addr: '10.0.9.1/24', nh: '10.0.9.2' };

export function bootYaml(l: Lab, extra = '', tables = ''): string {
  return `instance: ${l.prefix}
runDir: ${DIR}/run
stateDir: ${DIR}/state
dataplane:
  eal: { workerCores: [1], controlCore: 0, hugepages: auto, memoryMb: ${tables ? 512 : 128}${tables ? `, tables: ${tables}` : ''} }
  ports:
    - { name: eth1, device: "net_af_xdp_${l.prefix}a,iface=${l.gA}", netns: ${l.nsG}, tapName: ${l.tapA}, addresses: ["10.0.1.1/24", "fd00:1::1/64"] }
    - { name: eth2, device: "net_af_xdp_${l.prefix}b,iface=${l.gB}", netns: ${l.nsG}, tapName: ${l.tapB}, addresses: ["10.0.2.1/24", "fd00:2::1/64"] }
cpi:
  endpoint: ${ENDPOINT}
  netns: ${l.nsG}
${cpiExtra}${extra}`;
}

/**
 * Starts the agent. A failed start is a bug (a start race included: the agent itself removes a crashed run's XDP
 * programs and waits for the kernel to release its AF_XDP sockets), so tests start once and fail on the first
 * error, with the agent's log. `attempts` > 1 is for benchmarks only; each retry is printed.
 */
export async function startAgent(l: Lab, attempts = 1, tables = ''): Promise<Daemon> {
  for (let i = 1; ; i++) {
    try {
      return await startAgentOnce(l, tables);
    } catch (e) {
      if (i >= attempts) throw e;
      console.warn(`cpi harness: agent start ${i}/${attempts} failed, retrying: ${(e as Error).message.slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function startAgentOnce(l: Lab, tables: string): Promise<Daemon> {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'boot.yaml'), bootYaml(l, '', tables));
  const logFile = join(DIR, 'daemon.log');
  const fd = openSync(logFile, 'a');
  // GWCP_PROF=<dir>: run the agent under the V8 profiler (written when it stops with SIGTERM), for bench work.
  const prof = process.env.GWCP_PROF;
  const child = prof
    ? spawn('node', [`--cpu-prof`, `--cpu-prof-dir=${prof}`, '--import', join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), join(ROOT, 'agent/src/main.ts'), '--config', join(DIR, 'boot.yaml')], { stdio: ['ignore', fd, fd] })
    : spawn(agentCmd[0]!, [...agentCmd.slice(1), '--config', join(DIR, 'boot.yaml')], { stdio: ['ignore', fd, fd], env: { ...process.env, ...agentEnv } });
  writeFileSync(`/tmp/${PREFIX}.pid`, String(child.pid));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const d: Daemon = { child, dir: DIR, socket: join(DIR, 'run', 'api.sock'), logFile, exited };
  let dead = false;
  void exited.then(() => (dead = true));
  await until('agent API and CPI', async () => {
    if (dead) return true;
    const r = await api<{ state: string }>(d, '/v1/cpi');
    return r.state !== 'absent';
  }, 60_000, 200);
  if (dead) throw new Error(`agent exited: ${readFileSync(logFile, 'utf8').slice(-3000)}`);
  return d;
}

/** kill -9 of the agent (its process only, as a crash). Its XDP programs stay attached to the ports' veths. */
export async function killAgent9(d: Daemon): Promise<number | null> {
  d.child.kill('SIGKILL');
  return d.exited;
}

/** Pids of `ip -n <G> monitor` processes: the agent's neighbor-learner helpers. */
function monitorsInG(l: Lab): number[] {
  const want = `ip\0-n\0${l.nsG}\0monitor\0`;
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(want)) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** The XDP program on each af_xdp port's veth in G (`name#id`), or undefined when none is attached. */
export async function xdpPrograms(l: Lab): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const dev of [l.gA, l.gB]) {
    const m = /prog\/xdp\S* id (\d+) name (\S+)/.exec(await must('ip', ['-n', l.nsG, 'link', 'show', 'dev', dev]));
    out[dev] = m ? `${m[2]}#${m[1]}` : undefined;
  }
  return out;
}

/**
 * kill -9 of the agent, then a restart that must clean up after it by itself (docs/dataplane-runtime.md,
 * "Restart after a crash"): no helper of the killed agent survives it; its xsk_def_prog programs are still
 * attached when it is gone; the new agent logs their removal for both ports and runs on programs of its own.
 * `meanwhile` runs while it is down.
 */
export async function crashAndRestart(d: Daemon, l: Lab, meanwhile: () => Promise<void> = async () => {}): Promise<Daemon> {
  await killAgent9(d);
  // Its helpers hold its AF_XDP sockets: one that outlived it kept the ports' queues bound, so no restart could
  // attach them (measured: none in 130 s). They must die with it.
  await until('no ip monitor of the killed agent left', async () => monitorsInG(l).length === 0, 5_000, 100).catch(() => {
    throw new Error(`the killed agent's helpers survived it: ip monitor pids ${monitorsInG(l).join(', ')}`);
  });
  const stale = await xdpPrograms(l);
  for (const [dev, prog] of Object.entries(stale)) {
    if (!prog?.startsWith('xsk_def_prog#')) throw new Error(`after kill -9, ${dev} has no stale xsk_def_prog (${prog}): the test would not exercise the cleanup`);
  }
  await meanwhile();
  const logFrom = statSync(join(DIR, 'daemon.log')).size;
  const next = await startAgent(l);
  const removed = readFileSync(join(DIR, 'daemon.log'), 'utf8').slice(logFrom).split('\n')
    .filter((x) => x.includes('removed the XDP program a previous run left'))
    .map((x) => (JSON.parse(x) as { port: string }).port).sort();
  if (JSON.stringify(removed) !== JSON.stringify(['eth1', 'eth2'])) throw new Error(`the restarted agent logged removing stale XDP programs for ${JSON.stringify(removed)}, want eth1 and eth2`);
  const now = await xdpPrograms(l);
  for (const [dev, prog] of Object.entries(now)) {
    if (!prog?.startsWith('xsk_def_prog#') || prog === stale[dev]) throw new Error(`${dev}: XDP program ${prog} after restart (stale was ${stale[dev]})`);
  }
  return next;
}

export interface DebugView {
  status: { state: string; epoch: number; epochComplete: boolean; lastSweepRemoved: number; malformed: Record<string, number>; ops: Record<string, { received: number; ok: number; failed: number }>; recentFailures: { op: string; subject: string; code: string; reason: string }[] };
  fib: Record<string, string[]>;
  evpn: {
    macs: { vni: number; mac: string; vtep: string; ifname: string }[];
    neighbors: { vni: number; ip: string; mac: string | null; ifname: string; routerMac: boolean }[];
    vteps: { vni: number; vtep: string; ifname: string }[];
  };
}

export function debugView(): Promise<DebugView> {
  return new Promise((resolve, reject) => {
    const c = connect(join(DIR, 'run', 'cpi-debug.sock'));
    let s = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (s += d));
    c.on('end', () => {
      try {
        resolve(JSON.parse(s) as DebugView);
      } catch (e) {
        reject(e as Error);
      }
    });
    c.on('error', reject);
  });
}

// ---- FRR ----

export const frrDir = (): string => join(DIR, 'frr');

export function zebraConf(extra = ''): string {
  return `hostname ${INST}-gw\nlog file ${frrDir()}/zebra.log debugging\n${extra}`;
}

export function bgpdConf(extra = ''): string {
  return `hostname ${INST}-gw
log file ${frrDir()}/bgpd.log
router bgp 65000
 bgp router-id 10.0.1.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 bgp bestpath as-path multipath-relax
 bgp suppress-fib-pending
 timers bgp 3 9
 neighbor 10.0.1.2 remote-as 65001
 neighbor 10.0.1.2 timers connect 2
 neighbor 10.0.2.2 remote-as 65002
 neighbor 10.0.2.2 timers connect 2
 neighbor fd00:1::2 remote-as 65001
 neighbor fd00:1::2 timers connect 2
 neighbor fd00:2::2 remote-as 65002
 neighbor fd00:2::2 timers connect 2
 address-family ipv4 unicast
  neighbor 10.0.1.2 activate
  neighbor 10.0.2.2 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor fd00:1::2 activate
  neighbor fd00:2::2 activate
 exit-address-family
${extra}`;
}

const pidOf = (daemon: string): number | undefined => {
  try {
    return Number(readFileSync(`/var/run/frr/${INST}/${daemon}.pid`, 'utf8'));
  } catch {
    return undefined;
  }
};

export function zebraPid(): number | undefined {
  return pidOf('zebra');
}

export async function startZebra(l: Lab, args = '', conf = ''): Promise<void> {
  mkdirSync(frrDir(), { recursive: true });
  writeFileSync(join(frrDir(), 'zebra.conf'), zebraConf(conf));
  await must('chown', ['-R', 'frr:frr', frrDir()]);
  const spec = `${PLUGIN}:endpoint=${ENDPOINT},sync-delay=15000${args}`;
  await must('ip', ['netns', 'exec', l.nsG, '/usr/lib/frr/zebra', '-d', '-N', INST, '-f', join(frrDir(), 'zebra.conf'), '-P', '0', '-M', spec]);
  await until('zebra pid', async () => zebraPid() !== undefined && (await vtysh('show version')).includes('FRRouting'), 15_000);
}

export async function startBgpd(l: Lab, conf = ''): Promise<void> {
  writeFileSync(join(frrDir(), 'bgpd.conf'), bgpdConf(conf));
  await must('chown', ['-R', 'frr:frr', frrDir()]);
  await must('ip', ['netns', 'exec', l.nsG, '/usr/lib/frr/bgpd', '-d', '-N', INST, '-f', join(frrDir(), 'bgpd.conf'), '-P', '0']);
}

/**
 * zebra (with the plugin, netns VRF backend `-n`) and bgpd in G, in a private mount namespace whose /run/netns
 * shows only `vrfs` (each a netns of the host: zebra makes every netns there a VRF; note section 12). bgpd must
 * share that mount namespace. The VRF netns stay reachable under their names outside.
 */
export async function startFrrNetnsVrfs(l: Lab, vrfs: string[], zebraExtra: string, bgpdExtra: string, args = ''): Promise<void> {
  const dir = frrDir();
  mkdirSync(join(DIR, 'priv'), { recursive: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'zebra.conf'), zebraConf(zebraExtra));
  writeFileSync(join(dir, 'bgpd.conf'), bgpdConf(bgpdExtra));
  await must('chown', ['-R', 'frr:frr', dir]);
  const spec = `${PLUGIN}:endpoint=${ENDPOINT},sync-delay=15000${args}`;
  const keep = vrfs.map((v) => `touch ${DIR}/priv/${v} && mount --bind /run/netns/${v} ${DIR}/priv/${v}`).join(' && ');
  const show = vrfs.map((v) => `touch /run/netns/${v} && mount --bind ${DIR}/priv/${v} /run/netns/${v}`).join(' && ');
  await must('ip', ['netns', 'exec', l.nsG, 'unshare', '-m', '--propagation', 'private', 'sh', '-ec', [
    keep,
    'mount -t tmpfs tmpfs /run/netns',
    show,
    `/usr/lib/frr/zebra -d -n -N ${INST} -f ${dir}/zebra.conf -P 0 -M ${spec}`,
    `/usr/lib/frr/bgpd -d -N ${INST} -f ${dir}/bgpd.conf -P 0`,
  ].join('\n')]);
  await until('zebra pid', async () => zebraPid() !== undefined && (await vtysh('show version')).includes('FRRouting'), 15_000);
}

export async function vtysh(cmd: string): Promise<string> {
  const r = await sh('vtysh', ['-N', INST, '-c', cmd]);
  return r.out;
}

export async function vtyshJson<T>(cmd: string): Promise<T> {
  return JSON.parse(await vtysh(cmd)) as T;
}

export function killFrr(signal: NodeJS.Signals = 'SIGKILL', daemons = ['bgpd', 'zebra']): void {
  for (const d of daemons) {
    const pid = pidOf(d);
    if (!pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(INST)) process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

// ---- gobgp peers ----

export interface Peer {
  ns: string;
  asn: number;
  v4: string;
  v6: string;
  proc?: ChildProcess;
}

export function peers(l: Lab): Peer[] {
  return [
    { ns: l.nsA, asn: 65001, v4: '10.0.1.2', v6: 'fd00:1::2' },
    { ns: l.nsB, asn: 65002, v4: '10.0.2.2', v6: 'fd00:2::2' },
  ];
}

function gobgpToml(p: Peer, gw4: string, gw6: string, evpn: boolean): string {
  const n = (addr: string, local: string, afi: string): string => `
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${addr}"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "${local}"
  [neighbors.timers.config]
    connect-retry = 2
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "${afi}"
`;
  return `[global.config]
  as = ${p.asn}
  router-id = "${p.v4}"
  local-address-list = ["${p.v4}", "${p.v6}"]
${n(gw4, p.v4, 'ipv4-unicast')}${evpn ? `  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "l2vpn-evpn"
` : ''}${n(gw6, p.v6, 'ipv6-unicast')}`;
}

export async function startPeer(p: Peer, gw4: string, gw6: string, evpn = false): Promise<void> {
  const f = join(DIR, `gobgp-${p.ns}.toml`);
  writeFileSync(f, gobgpToml(p, gw4, gw6, evpn));
  const log = openSync(join(DIR, `gobgp-${p.ns}.log`), 'a');
  p.proc = spawn('ip', ['netns', 'exec', p.ns, 'gobgpd', '-f', f, '-p', '--api-hosts', '127.0.0.1:50051'], { stdio: ['ignore', log, log] });
  writeFileSync(join(DIR, `gobgp-${p.ns}.pid`), String(p.proc.pid));
  await until(`gobgpd in ${p.ns}`, async () => (await nsExec(p.ns, ['gobgp', 'global'])).code === 0, 15_000);
}

export async function gobgp(p: Peer, args: string[]): Promise<string> {
  const r = await nsExec(p.ns, ['gobgp', ...args]);
  if (r.code !== 0) throw new Error(`gobgp ${args.join(' ')} in ${p.ns}: ${r.err || r.out}`);
  return r.out;
}

export async function stopPeers(l: Lab): Promise<void> {
  for (const ns of [l.nsA, l.nsB]) {
    try {
      const pid = Number(readFileSync(join(DIR, `gobgp-${ns}.pid`), 'utf8'));
      process.kill(pid, 'SIGTERM');
    } catch {
      // not running
    }
    // `ip netns exec` forks gobgpd; kill by the netns' own pids.
    const r = await sh('ip', ['netns', 'pids', ns]);
    for (const pid of r.out.split('\n').filter(Boolean)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('gobgpd')) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

// ---- lab ----

export async function setupLab(): Promise<Lab> {
  await teardown(undefined);
  const l = await createLab(PREFIX);
  await must('ip', ['-n', l.nsA, 'addr', 'add', 'fd00:1::2/64', 'dev', l.hA, 'nodad']);
  await must('ip', ['-n', l.nsB, 'addr', 'add', 'fd00:2::2/64', 'dev', l.hB, 'nodad']);
  await must('ip', ['-n', l.nsG, 'link', 'add', FOREIGN.dev, 'type', 'veth', 'peer', 'name', FOREIGN.peer]);
  await must('ip', ['-n', l.nsG, 'addr', 'add', FOREIGN.addr, 'dev', FOREIGN.dev]);
  await must('ip', ['-n', l.nsG, 'link', 'set', FOREIGN.dev, 'up']);
  await must('ip', ['-n', l.nsG, 'link', 'set', FOREIGN.peer, 'up']);
  return l;
}

export async function teardown(l: Lab | undefined): Promise<void> {
  killFrr('SIGKILL');
  await killStale(PREFIX);
  const names = l ?? (await import('../dataplane/lab.ts')).labNames(PREFIX);
  await stopPeers(names);
  // A kill -9'd agent leaves its `ip -n <ns> monitor` helper (dataplane neighbor learner) behind.
  const ps = await sh('pgrep', ['-f', `^ip -n ${names.nsG} monitor`]);
  for (const pid of ps.out.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone
    }
  }
  await destroyLab(names);
  rmSync(DIR, { recursive: true, force: true });
  rmSync(`/var/run/frr/${INST}`, { recursive: true, force: true });
}

// Realizes a containerlab topology with network namespaces: one netns per node (clab-<lab>-<node>), a veth
// pair per link, binds overlaid through /etc/netns/<ns>/, FRR daemons per router node (-N <netns>), the
// node's cmd started detached, exec lines in order. `up` is idempotent and first removes what a crashed run
// left; `down` works from names alone, so it also cleans a lab whose state file is gone. A node's cmd runs
// under supervise.sh, which restarts it whenever it exits (a killed gateway comes back by itself).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonArgs, daemonPath, instanceRunDir, type FrrDaemon } from '../features/frr/daemons.ts';
import { vtysh } from '../features/frr/vtysh.ts';
import { LabError } from './errors.ts';
import { must, run, spawnDetached, waitFor } from './sh.ts';
import { alive, terminate } from '../features/frr/proc.ts';
import { gatewayNodes } from './observe.ts';
import type { LabNode, Topology } from './topology.ts';

export const LAB_RUN = process.env.GWLAB_RUN_DIR ?? '/run/gwlab';
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface LabState {
  lab: string;
  file: string;
  /** cmdPid: the node cmd's supervisor (supervise.sh); the cmd's own pid is in cmdPidFile while it runs. */
  nodes: { name: string; netns: string; frr: boolean; cmdPid?: number; cmdPidFile?: string }[];
  /** What the lab's gateways keep outside the namespaces (run and state directories, FRR path spaces). */
  owned?: string[];
  startedAt: string;
}

export type Progress = (msg: string) => void;

const SUPERVISE = join(REPO, 'agent/src/lab/supervise.sh');

function labDir(lab: string): string {
  return join(LAB_RUN, lab);
}

/** The pid of a node's cmd while it runs (written by its supervisor), else undefined. */
export function cmdPid(lab: string, node: string): number | undefined {
  const f = readState(lab)?.nodes.find((n) => n.name === node)?.cmdPidFile;
  try {
    const pid = Number(readFileSync(f ?? '', 'utf8').trim());
    return pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Directories a gateway of the topology keeps outside its netns; a path that is not its own is never listed. */
function ownedPaths(topo: Topology): string[] {
  const out: string[] = [];
  for (const g of gatewayNodes(topo)) {
    out.push(instanceRunDir(g.frrInstance));
    // Only directories named for the gateway's instance (or inside one): a boot file pointing elsewhere keeps its data.
    for (const d of [g.runDir, g.stateDir]) if (d.split('/').includes(g.instance)) out.push(d);
  }
  return out;
}

export function readState(lab: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(join(labDir(lab), 'state.json'), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export async function netnsList(): Promise<Set<string>> {
  const out = await run('ip', ['-j', 'netns', 'list']);
  if (out.code !== 0 || !out.stdout.trim()) return new Set();
  return new Set((JSON.parse(out.stdout) as { name: string }[]).map((n) => n.name));
}

async function netnsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns]);
  if (r.code !== 0) return [];
  return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => p !== process.pid);
}

function nsExec(ns: string, argv: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', ns, ...argv]];
}

/** Per-namespace /etc overlay: `ip netns exec` bind-mounts each /etc/netns/<ns>/<entry> over /etc/<entry>. */
function mapBinds(node: LabNode): void {
  const root = `/etc/netns/${node.netns}`;
  mkdirSync(root, { recursive: true });
  for (const b of node.binds) {
    if (!existsSync(b.source)) throw new LabError('LAB_TOPOLOGY_INVALID', `node ${node.name}: bind source ${b.source} does not exist`);
    const rel = b.target.slice('/etc/'.length);
    const entry = rel.split('/')[0]!;
    // The mount point must exist on the host, else ip netns exec skips the entry with only a warning.
    if (!existsSync(`/etc/${entry}`)) mkdirSync(`/etc/${entry}`, { recursive: true });
    const link = join(root, rel);
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { force: true, recursive: false });
    symlinkSync(b.source, link);
  }
}

function nodeEnv(node: LabNode): NodeJS.ProcessEnv {
  return { ...process.env, ...node.env, PATH: `${REPO}/bin:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
}

async function startFrr(lab: string, node: LabNode): Promise<void> {
  const frr = node.frr!;
  const dir = join(labDir(lab), node.name);
  mkdirSync(dir, { recursive: true });
  const empty = join(labDir(lab), 'empty.conf');
  writeFileSync(empty, '', { mode: 0o644 });
  // Daemons start empty; the node's frr.conf is applied through vtysh once they answer, the way
  // FRR's own init applies an integrated config.
  for (const d of frr.daemons as FrrDaemon[]) {
    const args = daemonArgs(d, { instance: node.netns, configFile: empty, daemonize: true, logFile: join(dir, `${d}.log`) });
    const [cmd, argv] = nsExec(node.netns, [daemonPath(d), ...args]);
    await must(cmd, argv);
    if (d === 'zebra') await waitFor(`zebra of ${node.name}`, async () => existsSync(`${instanceRunDir(node.netns)}/zserv.api`), 10_000, 50);
  }
  await waitFor(
    `FRR daemons of ${node.name} to answer`,
    async () => (await vtysh(node.netns, ['-c', 'show version'])).code === 0,
    10_000,
    100,
  );
  const r = await vtysh(node.netns, ['-f', frr.config]);
  if (r.code !== 0) throw new LabError('LAB_EXEC_FAILED', `node ${node.name}: applying ${frr.config} failed: ${r.stderr || r.stdout}`);
}

async function setupNetns(node: LabNode): Promise<void> {
  await must('ip', ['netns', 'add', node.netns]);
  await must('ip', ['-n', node.netns, 'link', 'set', 'lo', 'up']);
  // Tests must not depend on DAD/RA timing: addresses usable at once, no autoconfigured routes.
  const sysctls = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_ra=0', 'net.ipv6.conf.default.accept_ra=0'];
  const [cmd, argv] = nsExec(node.netns, ['sysctl', '-qw', ...sysctls]);
  await must(cmd, argv);
}

/** Why a lab is not (fully) up, or undefined when it is: every netns, every FRR daemon, every node cmd alive. */
export async function notUpReason(topo: Topology): Promise<string | undefined> {
  const st = readState(topo.name);
  if (!st) return 'no state';
  if (st.file !== topo.file) return `state belongs to ${st.file}`;
  const have = await netnsList();
  for (const n of topo.nodes) {
    if (!have.has(n.netns)) return `netns ${n.netns} missing`;
    const sn = st.nodes.find((x) => x.name === n.name);
    if (!sn) return `node ${n.name} not in state`;
    if (sn.cmdPid !== undefined && !alive(sn.cmdPid)) return `node ${n.name}: the supervisor of its cmd is gone`;
    for (const d of n.frr?.daemons ?? []) {
      let pid = NaN;
      try {
        pid = Number(readFileSync(`${instanceRunDir(n.netns)}/${d}.pid`, 'utf8').trim());
      } catch {
        /* no pid file */
      }
      if (!(pid > 0) || !alive(pid)) return `node ${n.name}: ${d} not running`;
    }
  }
  return undefined;
}

export async function up(topo: Topology, progress: Progress = () => {}): Promise<'created' | 'already-up'> {
  const why = await notUpReason(topo);
  if (why === undefined) {
    progress(`lab ${topo.name} is already up`);
    return 'already-up';
  }
  if (why !== 'no state') progress(`lab ${topo.name} is incomplete (${why}): recreating`);
  await down(topo, progress);
  rmSync(labDir(topo.name), { recursive: true, force: true });
  mkdirSync(labDir(topo.name), { recursive: true });
  const state: LabState = { lab: topo.name, file: topo.file, nodes: [], owned: ownedPaths(topo), startedAt: new Date().toISOString() };
  const save = (): void => writeFileSync(join(labDir(topo.name), 'state.json'), JSON.stringify(state, null, 2));
  // Written first so a failed `up` is still cleaned by `down <lab>`.
  for (const n of topo.nodes) state.nodes.push({ name: n.name, netns: n.netns, frr: !!n.frr });
  save();
  try {
    for (const n of topo.nodes) {
      progress(`node ${n.name}: netns ${n.netns}`);
      await setupNetns(n);
      mapBinds(n);
    }
    for (const l of topo.links) {
      const na = topo.nodes.find((n) => n.name === l.a.node)!;
      const nb = topo.nodes.find((n) => n.name === l.b.node)!;
      progress(`link ${l.a.node}:${l.a.iface} <-> ${l.b.node}:${l.b.iface}`);
      // Created directly inside both namespaces: no temporary names in the root netns that a crash could leave.
      await must('ip', ['link', 'add', l.a.iface, 'netns', na.netns, 'type', 'veth', 'peer', 'name', l.b.iface, 'netns', nb.netns]);
      for (const [ns, ifc] of [[na.netns, l.a.iface], [nb.netns, l.b.iface]] as const) {
        if (l.mtu) await must('ip', ['-n', ns, 'link', 'set', ifc, 'mtu', String(l.mtu)]);
        // As containerlab does: a veth's partial TX checksum is lost when the peer reads through AF_XDP/af_packet.
        const [ec, ea] = nsExec(ns, ['ethtool', '-K', ifc, 'tx', 'off']);
        await must(ec, ea);
        await must('ip', ['-n', ns, 'link', 'set', ifc, 'up']);
      }
    }
    for (const n of topo.nodes) {
      if (n.frr) {
        progress(`node ${n.name}: FRR ${n.frr.daemons.join(' ')} (-N ${n.netns})`);
        await startFrr(topo.name, n);
      }
      if (n.cmd) {
        progress(`node ${n.name}: ${n.cmd}`);
        const logFile = join(labDir(topo.name), `${n.name}.log`);
        const pidFile = join(labDir(topo.name), `${n.name}.pid`);
        const fd = openSync(logFile, 'a');
        const [cmd, argv] = nsExec(n.netns, ['sh', SUPERVISE, pidFile, n.cmd]);
        const sn = state.nodes.find((x) => x.name === n.name)!;
        sn.cmdPid = spawnDetached(cmd, argv, fd, nodeEnv(n));
        sn.cmdPidFile = pidFile;
        closeSync(fd);
        save();
      }
      for (const line of n.exec) {
        const [cmd, argv] = nsExec(n.netns, ['sh', '-c', line]);
        const r = await run(cmd, argv, { env: nodeEnv(n) });
        if (r.code !== 0) throw new LabError('LAB_EXEC_FAILED', `node ${n.name}: exec "${line}" exited ${r.code}: ${r.stderr.trim()}`);
      }
    }
  } catch (e) {
    progress(`up failed, removing the partial lab (logs stay in ${labDir(topo.name)}): ${(e as Error).message}`);
    await down(topo);
    throw e;
  }
  return 'created';
}

/** Removes a lab: every process in its namespaces, the namespaces, per-namespace /etc overlays, FRR run dirs,
 *  and what its gateways keep outside them (run and state directories: sockets, pid files, stored generations,
 *  which the next lab would otherwise start from). */
export async function down(topoOrLab: Topology | string, progress: Progress = () => {}): Promise<number> {
  const lab = typeof topoOrLab === 'string' ? topoOrLab : topoOrLab.name;
  const st = readState(lab);
  const names = new Set<string>();
  const owned = new Set<string>(st?.owned ?? []);
  if (typeof topoOrLab !== 'string') {
    for (const n of topoOrLab.nodes) names.add(n.netns);
    for (const p of ownedPaths(topoOrLab)) owned.add(p);
  }
  for (const n of st?.nodes ?? []) names.add(n.netns);
  // Supervisors first, so that nothing is restarted while the namespaces are emptied.
  await terminate((st?.nodes ?? []).flatMap((n) => (n.cmdPid !== undefined && isSupervisor(n.cmdPid) ? [n.cmdPid] : [])));
  const have = await netnsList();
  let removed = 0;
  for (const ns of names) {
    if (have.has(ns)) {
      await terminate(await netnsPids(ns));
      await run('ip', ['netns', 'del', ns]);
      removed++;
      progress(`removed ${ns}`);
    }
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    rmSync(instanceRunDir(ns), { recursive: true, force: true });
  }
  for (const p of owned) rmSync(p, { recursive: true, force: true });
  // A gateway's VPC namespaces (netns VRF backend, `<instance>-vpc-<id>`) are mounted in its own mount
  // namespace: once it is gone only their /run/netns entries are left, which its successor would take for a
  // stranger's. Only entries named for a gateway instance of the topology are removed.
  if (typeof topoOrLab !== 'string') {
    const prefixes = gatewayNodes(topoOrLab).map((g) => `${g.instance}-vpc-`);
    for (const ns of await netnsList()) if (prefixes.some((p) => ns.startsWith(p))) await run('ip', ['netns', 'del', ns]);
  }
  // Logs stay for post-mortem (a failed `up` removes the lab right away); the next `up` starts them afresh.
  for (const n of st?.nodes ?? []) if (n.cmdPidFile) rmSync(n.cmdPidFile, { force: true });
  rmSync(join(labDir(lab), 'state.json'), { force: true });
  return removed;
}

/** A recorded supervisor pid that still is one (pids are reused after a reboot or a long time). */
function isSupervisor(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(SUPERVISE);
  } catch {
    return false;
  }
}

export interface NodeStatus {
  name: string;
  netns: string;
  present: boolean;
  processes: string[];
  links: { name: string; state: string; addrs: string[] }[];
}

export async function status(lab: string): Promise<{ lab: string; file?: string; nodes: NodeStatus[] }> {
  const st = readState(lab);
  if (!st) throw new LabError('LAB_NOT_UP', `lab ${lab} is not up (no state in ${labDir(lab)})`);
  const have = await netnsList();
  const nodes: NodeStatus[] = [];
  for (const n of st.nodes) {
    const present = have.has(n.netns);
    const processes: string[] = [];
    const links: NodeStatus['links'] = [];
    if (present) {
      for (const p of await netnsPids(n.netns)) {
        try {
          processes.push(`${readFileSync(`/proc/${p}/comm`, 'utf8').trim()}(${p})`);
        } catch {
          /* exited meanwhile */
        }
      }
      const r = await run('ip', ['-n', n.netns, '-j', 'addr', 'show']);
      if (r.code === 0) {
        type A = { ifname: string; operstate: string; addr_info?: { local: string; prefixlen: number; scope: string }[] };
        for (const a of JSON.parse(r.stdout) as A[]) {
          if (a.ifname === 'lo' && !(a.addr_info ?? []).some((x) => x.scope === 'global')) continue;
          links.push({
            name: a.ifname,
            state: a.operstate,
            addrs: (a.addr_info ?? []).filter((x) => x.scope === 'global').map((x) => `${x.local}/${x.prefixlen}`),
          });
        }
      }
    }
    nodes.push({ name: n.name, netns: n.netns, present, processes, links });
  }
  return { lab, file: st.file, nodes };
}

export function nodeNetns(lab: string, node: string): string {
  const st = readState(lab);
  if (!st) throw new LabError('LAB_NOT_UP', `lab ${lab} is not up`);
  const n = st.nodes.find((x) => x.name === node);
  if (!n) throw new LabError('LAB_NODE_UNKNOWN', `lab ${lab} has no node ${node} (nodes: ${st.nodes.map((x) => x.name).join(', ')})`);
  return n.netns;
}

/** Symlink targets of a node's /etc overlay, for status output and tests. */
export function overlayOf(netns: string, rel: string): string | undefined {
  try {
    return readlinkSync(`/etc/netns/${netns}/${rel}`);
  } catch {
    return undefined;
  }
}

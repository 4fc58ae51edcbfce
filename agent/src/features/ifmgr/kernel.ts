// The kernel as the interface manager sees it: links with their alias (ownership mark), lo's addresses and
// network namespaces (marked as ours by the alias of their lo). IpKernel drives iproute2 from the agent's (or
// the given) network namespace; unit tests use a fake with the same interface. `netns` arguments name a
// namespace in /run/netns; absent = the agent's own.
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync, watch as fsWatch, type FSWatcher } from 'node:fs';
import { spawnTied } from '../../core/tied.ts';
import { IfmgrError, type BridgeIntent, type VxlanIntent } from './intent.ts';

export interface KernelLink {
  name: string;
  kind: string;
  alias?: string;
  up: boolean;
  master?: string;
  vni?: number;
  local?: string;
  mac?: string;
}

export interface Kernel {
  links(netns?: string): Promise<KernelLink[]>;
  loopbackAddresses(): Promise<string[]>;
  /** Created in the agent's namespace, then moved into `v.netns` when set. */
  addVxlan(v: VxlanIntent, alias: string): Promise<void>;
  addBridge(b: BridgeIntent, alias: string): Promise<void>;
  setMaster(dev: string, master: string, netns?: string): Promise<void>;
  setUp(dev: string, netns?: string): Promise<void>;
  delLink(dev: string, netns?: string): Promise<void>;
  /** Names of the namespaces in /run/netns. */
  netnsList(): Promise<string[]>;
  /** The alias of the namespace's lo (our ownership mark), undefined when it has none. */
  netnsAlias(name: string): Promise<string | undefined>;
  addNetns(name: string, alias: string): Promise<void>;
  delNetns(name: string): Promise<void>;
  addLoopbackAddress(cidr: string): Promise<void>;
  delLoopbackAddress(cidr: string): Promise<void>;
  /** The ops in one go, in order, in `netns` (a vxlan is made from the agent's namespace into it, like
   *  addVxlan); throws at the first one refused, the ones before it done. Optional: without it, one call per op. */
  batch?(netns: string, ops: LinkOp[], alias: string): Promise<void>;
  /** addNetns of several namespaces in one go; throws at the first refused, the ones before it made. Optional. */
  addNetnsMany?(names: string[], alias: string): Promise<void>;
  /** Calls `onChange` when links or addresses change (also inside namespaces of ours) or a namespace comes or
   *  goes, saying where when it can; returns a stop function. */
  watch(onChange: (where: ChangeScope) => void): () => void;
}

/** One change of a space's links, as the manager plans them: deletions, then creations, then masters, then ups. */
export type LinkOp =
  | { op: 'del'; dev: string }
  | { op: 'vxlan'; v: VxlanIntent }
  | { op: 'bridge'; b: BridgeIntent }
  | { op: 'master'; dev: string; master: string }
  | { op: 'up'; dev: string };

/** Where the kernel reported a change: in one namespace (undefined = the agent's), in the list of namespaces
 *  (one came or went), or somewhere it could not tell ('all': everything must be read again). */
export type ChangeScope = { netns: string | undefined } | 'namespaces' | 'all';

/** The namespace a line of `ip -o monitor all-nsid` comes from: "[nsid current]" is the monitor's own, "[nsid N]"
 *  the one the kernel numbered N there; 'all' when the line or the id says nothing we know. */
export function monitorScope(line: string, nsids: ReadonlyMap<number, string>): ChangeScope {
  const m = /^\[nsid (current|\d+)\]/.exec(line);
  if (!m) return 'all';
  if (m[1] === 'current') return { netns: undefined };
  const name = nsids.get(Number(m[1]));
  return name === undefined ? 'all' : { netns: name };
}

const NSFS_MAGIC = 0x6e736673;

/** Whether a /run/netns entry holds a namespace. An agent started by `ip netns exec` runs in a mount namespace
 *  of its own (a slave of the host's): the entries it adds are files every mount namespace sees, but the
 *  namespace mounted on them only its own. When it dies, they stay behind as plain files holding nothing, and
 *  the next agent must neither take them for a stranger's namespaces nor trip over them when adding its own. */
export function isLiveNetns(path: string): boolean {
  try {
    return statfsSync(path).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

/** `ip` processes run by this process and their summed wall time: the manager logs the delta of each pass at
 *  debug level (bench/overlay-control-plane.ts reads it; one process per change is the cost rtnetlink would remove). */
export const ipCalls = { count: 0, ms: 0 };

function ipIn(netns: string | undefined, args: string[], input?: string): Promise<string> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = execFile('ip', netns ? ['-n', netns, ...args] : args, { timeout: 10_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      ipCalls.count++;
      ipCalls.ms += performance.now() - t0;
      if (err) reject(new IfmgrError('IFMGR_KERNEL', `ip ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Lines for one `ip -batch -` (stops at the first refused line, which its error names). Names and aliases
 *  are checked by checkIntent / the instance name: no blanks or quotes to escape. */
function ipBatch(netns: string | undefined, lines: string[]): Promise<string> {
  return ipIn(netns, ['-batch', '-'], lines.join('\n') + '\n');
}

/** `ip link add` arguments of a vxlan (made from here, into v.netns when set). */
function vxlanAddArgs(v: VxlanIntent): string[] {
  return ['link', 'add', v.name, ...(v.netns ? ['netns', v.netns] : []), 'type', 'vxlan', 'id', String(v.vni), 'local', v.local, 'dstport', String(v.dstport ?? 4789), 'nolearning'];
}
const vxlanMarkArgs = (v: VxlanIntent, alias: string): string[] => ['link', 'set', v.name, 'alias', alias, ...(v.mtu ? ['mtu', String(v.mtu)] : [])];
const bridgeAddArgs = (b: BridgeIntent): string[] => ['link', 'add', b.name, ...(b.mac ? ['address', b.mac] : []), 'type', 'bridge', 'forward_delay', '0'];

interface IpLink {
  ifname: string;
  flags?: string[];
  ifalias?: string;
  master?: string;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string } };
}

export class IpKernel implements Kernel {
  /** The id the managing namespace gave each namespace (`ip netns set X auto`), from the last netnsList(): how a
   *  monitor line's "[nsid N]" is named. */
  private readonly nsids = new Map<number, string>();

  /** `netns`: manage that namespace instead of the agent's own (tests, gateways managing another netns). */
  constructor(private readonly netns?: string) {}

  private ip(args: string[], netns?: string): Promise<string> {
    return ipIn(netns ?? this.netns, args);
  }

  async links(netns?: string): Promise<KernelLink[]> {
    const j = JSON.parse(await this.ip(['-d', '-j', 'link', 'show'], netns)) as IpLink[];
    return j.map((l) => ({
      name: l.ifname,
      kind: l.linkinfo?.info_kind ?? 'device',
      alias: l.ifalias,
      up: (l.flags ?? []).includes('UP'),
      master: l.master,
      vni: l.linkinfo?.info_data?.id,
      local: l.linkinfo?.info_data?.local,
      mac: l.address,
    }));
  }
  async loopbackAddresses(): Promise<string[]> {
    const j = JSON.parse(await this.ip(['-j', 'addr', 'show', 'dev', 'lo'])) as { addr_info?: { local: string; prefixlen: number }[] }[];
    return (j[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  }
  async addVxlan(v: VxlanIntent, alias: string): Promise<void> {
    // With a namespace: created right inside it by one request from here, so its UDP socket stays in this
    // namespace (link-netns) and the device never appears here. Created here and moved, zebra of this namespace
    // would see it first, and FRR 8.4 leaves it protodown when it leaves (the L3VNI then stays Down).
    await this.ip(vxlanAddArgs(v));
    try {
      await this.ip(vxlanMarkArgs(v, alias), v.netns);
    } catch (e) {
      // Not left half-made under a name we would then refuse to touch (no alias).
      await this.ip(['link', 'del', v.name], v.netns).catch(() => undefined);
      throw e;
    }
  }
  async addBridge(b: BridgeIntent, alias: string): Promise<void> {
    // forward_delay 0: otherwise the SVI stays NO-CARRIER for 15 s and zebra reports the VNI down.
    await this.ip(bridgeAddArgs(b), b.netns);
    await this.ip(['link', 'set', b.name, 'alias', alias], b.netns);
  }
  async setMaster(dev: string, master: string, netns?: string): Promise<void> {
    await this.ip(['link', 'set', dev, 'master', master], netns);
  }
  async setUp(dev: string, netns?: string): Promise<void> {
    await this.ip(['link', 'set', dev, 'up'], netns);
  }
  async delLink(dev: string, netns?: string): Promise<void> {
    await this.ip(['link', 'del', dev], netns);
  }
  async netnsList(): Promise<string[]> {
    const out = (await this.ip(['-j', 'netns', 'list'])).trim();
    const list = out ? (JSON.parse(out) as { name: string; id?: number }[]) : [];
    this.nsids.clear();
    for (const n of list) if (n.id !== undefined) this.nsids.set(n.id, n.name);
    return list.map((n) => n.name).filter((n) => isLiveNetns(`/run/netns/${n}`));
  }
  async netnsAlias(name: string): Promise<string | undefined> {
    const j = JSON.parse(await this.ip(['-j', 'link', 'show', 'lo'], name)) as IpLink[];
    return j[0]?.ifalias;
  }
  async addNetns(name: string, alias: string): Promise<void> {
    // A dead entry of that name (see isLiveNetns) holds nothing: remove it, else `ip netns add` fails (exists).
    const path = `/run/netns/${name}`;
    if (existsSync(path) && !isLiveNetns(path)) await this.ip(['netns', 'del', name]);
    await this.ip(['netns', 'add', name]);
    await this.ip(['link', 'set', 'lo', 'alias', alias, 'up'], name);
    // An id for it in the agent's namespace: `ip monitor all-nsid` then reports its link changes too.
    await this.ip(['netns', 'set', name, 'auto']).catch(() => undefined);
  }
  async batch(netns: string, ops: LinkOp[], alias: string): Promise<void> {
    // Three processes whatever the count: deletions there, vxlans made from here (their UDP socket stays here, see
    // addVxlan), the rest there. Ops come deletions first, so this order is theirs.
    const dels = ops.flatMap((o) => (o.op === 'del' ? [`link del ${o.dev}`] : []));
    const made = ops.flatMap((o) => (o.op === 'vxlan' ? [vxlanAddArgs({ ...o.v, netns }).join(' ')] : []));
    const rest = ops.flatMap((o): string[][] => {
      if (o.op === 'vxlan') return [vxlanMarkArgs(o.v, alias)];
      if (o.op === 'bridge') return [bridgeAddArgs(o.b), ['link', 'set', o.b.name, 'alias', alias]];
      if (o.op === 'master') return [['link', 'set', o.dev, 'master', o.master]];
      if (o.op === 'up') return [['link', 'set', o.dev, 'up']];
      return [];
    });
    if (dels.length) await ipBatch(netns, dels);
    if (made.length) await ipBatch(this.netns, made);
    if (rest.length) await ipBatch(netns, rest.map((a) => a.join(' ')));
  }
  async addNetnsMany(names: string[], alias: string): Promise<void> {
    const lines: string[] = [];
    for (const name of names) {
      const path = `/run/netns/${name}`;
      if (existsSync(path) && !isLiveNetns(path)) lines.push(`netns del ${name}`);
      lines.push(`netns add ${name}`);
    }
    await ipBatch(this.netns, lines);
    for (const name of names) await this.ip(['link', 'set', 'lo', 'alias', alias, 'up'], name);
    // -force: one refused (an old kernel) does not keep the others from their id.
    await ipIn(this.netns, ['-force', '-batch', '-'], names.map((n) => `netns set ${n} auto`).join('\n') + '\n').catch(() => undefined);
  }
  async delNetns(name: string): Promise<void> {
    await this.ip(['netns', 'del', name]);
  }
  async addLoopbackAddress(cidr: string): Promise<void> {
    await this.ip(['addr', 'add', cidr, 'dev', 'lo', ...(cidr.includes(':') ? ['nodad'] : [])]);
  }
  async delLoopbackAddress(cidr: string): Promise<void> {
    await this.ip(['addr', 'del', cidr, 'dev', 'lo']);
  }
  watch(onChange: (where: ChangeScope) => void): () => void {
    const ns = this.netns ? ['-n', this.netns] : [];
    let child: ChildProcess | null = spawnTied('ip', [...ns, '-o', 'monitor', 'all-nsid', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l) onChange(monitorScope(l, this.nsids));
    });
    child.on('exit', () => {
      child = null;
    });
    // A namespace deleted with `ip netns del` sends no link event (its devices go with it, unseen).
    let dir: FSWatcher | null = null;
    try {
      mkdirSync('/run/netns', { recursive: true });
      dir = fsWatch('/run/netns', () => onChange('namespaces'));
    } catch {
      // Not watchable: a deleted namespace of ours is then noticed at the next link event.
    }
    return () => {
      child?.kill('SIGTERM');
      child = null;
      dir?.close();
      dir = null;
    };
  }
}

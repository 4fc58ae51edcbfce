// Keeps the kernel netdevs FRR needs in the state the owners asked for, and puts them back when something
// removes or downs them (zebra withdraws a VNI whose device vanished). Ownership is marked in the kernel (the
// link alias "vpc-gateway:<instance>"), so after an agent restart we still know what is ours; a device
// without our mark is never modified or deleted, even if it has a name we want (IFMGR_NAME_TAKEN).
import type { Logger } from 'pino';
import { checkIntent, emptyIntent, IfmgrError, type IfmgrErrorCode, type NetdevIntent } from './intent.ts';
import { ipCalls, type Kernel, type KernelLink } from './kernel.ts';

export interface IfmgrSnapshot {
  alias: string;
  devices: { name: string; kind: string; netns?: string; present: boolean; up: boolean }[];
  loopbackAddresses: { cidr: string; present: boolean }[];
  counters: { reconciles: number; restores: number; errors: Partial<Record<IfmgrErrorCode, number>> };
  problems: string[];
}

/** Where a device is: its namespace (empty = the agent's) and name. */
function devKey(netns: string | undefined, name: string): string {
  return `${netns ?? ''}/${name}`;
}

export class InterfaceManager {
  private readonly intents = new Map<string, NetdevIntent>();
  /** Loopback addresses this manager added (lo is not ours, only these addresses are). */
  private readonly ownedAddrs = new Set<string>();
  private readonly counters: IfmgrSnapshot['counters'] = { reconciles: 0, restores: 0, errors: {} };
  private problems: string[] = [];
  private lastLinks = new Map<string, { netns: string | undefined; link: KernelLink }>();
  private lastLo: string[] = [];
  private unwatch: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  readonly alias: string;

  constructor(
    private readonly kernel: Kernel,
    instance: string,
    private readonly log: Logger,
    private readonly debounceMs = 50,
  ) {
    this.alias = `vpc-gateway:${instance}`;
  }

  /** Replaces what `owner` wants and reconciles at once; throws IFMGR_INVALID before touching anything. */
  async set(owner: string, intent: NetdevIntent): Promise<void> {
    const checked = checkIntent(intent);
    const next = new Map(this.intents);
    next.set(owner, checked);
    const merged = this.merge(next);
    checkIntent(merged); // two owners claiming one name is invalid too
    this.intents.set(owner, checked);
    await this.reconcile();
    if (this.problems.length > 0) throw new IfmgrError('IFMGR_NAME_TAKEN', this.problems.join('; '));
  }

  start(): void {
    this.unwatch = this.kernel.watch(() => this.schedule());
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Removes every device and address this manager owns (agent shutdown with cleanup). */
  async clear(): Promise<void> {
    this.intents.clear();
    await this.reconcile();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reconcile().catch((e: unknown) => this.log.error({ mod: 'ifmgr', err: e }, 'reconcile failed'));
    }, this.debounceMs);
  }

  private merge(m: Map<string, NetdevIntent>): NetdevIntent {
    const out = emptyIntent();
    for (const i of m.values()) {
      out.netns!.push(...(i.netns ?? []));
      out.loopbackAddresses.push(...i.loopbackAddresses);
      out.vxlans.push(...i.vxlans);
      out.bridges.push(...i.bridges);
    }
    return out;
  }

  private count(code: IfmgrErrorCode): void {
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
  }

  /** Serialized: a change seen while reconciling triggers one more pass afterwards. */
  reconcile(): Promise<void> {
    if (this.pending) return this.running;
    this.pending = true;
    this.running = this.running.then(async () => {
      this.pending = false;
      const t0 = performance.now();
      const before = { ...ipCalls };
      try {
        await this.pass();
      } finally {
        const ipMs = Math.round(ipCalls.ms - before.ms);
        this.log.debug({ mod: 'ifmgr', passMs: Math.round(performance.now() - t0), ipCalls: ipCalls.count - before.count, ipMs }, 'reconcile pass');
      }
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    this.counters.reconciles++;
    const want = this.merge(this.intents);
    const problems: string[] = [];
    const ours = (l: KernelLink | undefined): boolean => l?.alias === this.alias;
    const attempt = async (what: string, f: () => Promise<void>): Promise<boolean> => {
      try {
        await f();
        return true;
      } catch (e) {
        this.count(e instanceof IfmgrError ? e.code : 'IFMGR_KERNEL');
        problems.push(`${what}: ${(e as Error).message}`);
        return false;
      }
    };

    // Namespaces first: devices are created in them. One of ours gone (ip netns del) is made again, empty;
    // the devices below then follow.
    const wantNs = new Set(want.netns ?? []);
    const present = new Set(await this.kernel.netnsList());
    for (const n of [...this.nsAlias.keys()]) if (!present.has(n)) this.nsAlias.delete(n);
    const usable = new Set<string>();
    for (const n of wantNs) {
      if (present.has(n)) {
        if ((await this.aliasOf(n)) !== this.alias) {
          this.count('IFMGR_NAME_TAKEN');
          problems.push(`netns ${n}: a namespace not created by this gateway has the name; left untouched`);
          continue;
        }
      } else {
        if (this.everSeen.has(`netns:${n}`)) {
          this.counters.restores++;
          this.log.warn({ mod: 'ifmgr', netns: n }, 'namespace missing: restoring');
        }
        if (!(await attempt(`create netns ${n}`, () => this.kernel.addNetns(n, this.alias)))) continue;
        this.nsAlias.set(n, this.alias);
      }
      this.everSeen.add(`netns:${n}`);
      usable.add(n);
    }
    for (const n of present) {
      if (!wantNs.has(n) && (await this.aliasOf(n)) === this.alias) {
        // Its devices first: somebody else may hold the namespace open (FRR's mount namespace does), and they
        // would live on in it after its name is gone.
        for (const l of await this.kernel.links(n).catch(() => [])) {
          if (ours(l) && l.name !== 'lo') await attempt(`delete ${l.name}`, () => this.kernel.delLink(l.name, n));
        }
        if (await attempt(`delete netns ${n}`, () => this.kernel.delNetns(n))) this.nsAlias.delete(n);
      }
    }

    const spaces = [undefined, ...usable];
    const links = await this.readLinks(spaces);
    const placed = (d: { netns?: string }): boolean => d.netns === undefined || usable.has(d.netns);
    const vxlans = want.vxlans.filter(placed);
    const bridges = want.bridges.filter(placed);
    const wanted = new Set([...vxlans, ...bridges].map((d) => devKey(d.netns, d.name)));

    // Stale devices first (ours, no longer wanted where they are), so a name can move between kinds or namespaces.
    // lo of a namespace of ours carries the namespace's mark: it is not a device of ours.
    for (const [k, { netns, link }] of links) {
      if (ours(link) && !wanted.has(k) && link.name !== 'lo') {
        if (await attempt(`delete ${link.name}`, () => this.kernel.delLink(link.name, netns))) links.delete(k);
      }
    }
    const ensure = async (netns: string | undefined, name: string, kind: string, matches: (l: KernelLink) => boolean, create: () => Promise<void>): Promise<void> => {
      const l = links.get(devKey(netns, name))?.link;
      if (l && !ours(l)) {
        this.count('IFMGR_NAME_TAKEN');
        problems.push(`${name}: a ${l.kind} device not created by this gateway has the name; left untouched`);
        return;
      }
      if (l && !matches(l)) {
        // Ours but with other parameters (e.g. VNI changed): replace.
        if (!(await attempt(`replace ${name}`, () => this.kernel.delLink(name, netns)))) return;
      }
      if (!l || !matches(l)) {
        if (this.everSeen.has(devKey(netns, name))) {
          this.counters.restores++;
          this.log.warn({ mod: 'ifmgr', dev: name, kind, ...(netns ? { netns } : {}) }, 'device missing: restoring');
        }
        if (!(await attempt(`create ${name}`, create))) return;
      }
      this.everSeen.add(devKey(netns, name));
    };
    for (const v of vxlans) {
      await ensure(v.netns, v.name, 'vxlan', (l) => l.kind === 'vxlan' && l.vni === v.vni && (l.local === undefined || l.local === v.local), () => this.kernel.addVxlan(v, this.alias));
    }
    for (const b of bridges) {
      await ensure(b.netns, b.name, 'bridge', (l) => l.kind === 'bridge' && (b.mac === undefined || l.mac === b.mac), () => this.kernel.addBridge(b, this.alias));
    }
    const after = await this.readLinks(spaces);
    for (const b of bridges) {
      for (const m of b.members) {
        const l = after.get(devKey(b.netns, m))?.link;
        if (ours(l) && l!.master !== b.name) await attempt(`enslave ${m}`, () => this.kernel.setMaster(m, b.name, b.netns));
      }
    }
    for (const k of wanted) {
      const e = after.get(k);
      if (e && ours(e.link) && !e.link.up) await attempt(`up ${e.link.name}`, () => this.kernel.setUp(e.link.name, e.netns));
    }

    const lo = new Set(await this.kernel.loopbackAddresses());
    for (const a of want.loopbackAddresses) {
      if (!lo.has(a)) {
        if (this.ownedAddrs.has(a)) {
          this.counters.restores++;
          this.log.warn({ mod: 'ifmgr', addr: a }, 'loopback address missing: restoring');
        }
        if (await attempt(`add ${a} to lo`, () => this.kernel.addLoopbackAddress(a))) this.ownedAddrs.add(a);
      } else if (!this.ownedAddrs.has(a)) {
        // Already there (an earlier run of ours, or the operator): keep it, but never remove it later.
      }
    }
    const wantAddrs = new Set(want.loopbackAddresses);
    for (const a of [...this.ownedAddrs]) {
      if (!wantAddrs.has(a)) {
        if (!lo.has(a) || (await attempt(`remove ${a} from lo`, () => this.kernel.delLoopbackAddress(a)))) this.ownedAddrs.delete(a);
      }
    }
    this.problems = problems;
    this.lastLinks = await this.readLinks(spaces);
    this.lastLo = await this.kernel.loopbackAddresses();
  }

  /** Devices and namespaces (`netns:<name>`) that existed once: their absence later is a restore. */
  private readonly everSeen = new Set<string>();
  /** Ownership mark of each namespace present, read once per appearance (a lookup per namespace per pass is costly). */
  private readonly nsAlias = new Map<string, string | undefined>();

  private async aliasOf(netns: string): Promise<string | undefined> {
    if (!this.nsAlias.has(netns)) this.nsAlias.set(netns, await this.kernel.netnsAlias(netns).catch(() => undefined));
    return this.nsAlias.get(netns);
  }

  private async readLinks(spaces: (string | undefined)[]): Promise<Map<string, { netns: string | undefined; link: KernelLink }>> {
    const out = new Map<string, { netns: string | undefined; link: KernelLink }>();
    for (const netns of spaces) {
      // A namespace deleted since the pass began: its devices are gone; the next pass (its deletion woke us) restores it.
      const ls = await this.kernel.links(netns).catch((e: unknown) => (netns === undefined ? Promise.reject(e) : []));
      for (const link of ls) out.set(devKey(netns, link.name), { netns, link });
    }
    return out;
  }

  snapshot(): IfmgrSnapshot {
    const want = this.merge(this.intents);
    const lo = new Set(this.lastLo);
    return {
      alias: this.alias,
      devices: [...want.vxlans.map((v) => [v, 'vxlan'] as const), ...want.bridges.map((b) => [b, 'bridge'] as const)].map(([d, kind]) => {
        const l = this.lastLinks.get(devKey(d.netns, d.name))?.link;
        return { name: d.name, kind, ...(d.netns ? { netns: d.netns } : {}), present: l?.alias === this.alias, up: !!l?.up };
      }),
      loopbackAddresses: want.loopbackAddresses.map((cidr) => ({ cidr, present: lo.has(cidr) })),
      counters: { ...this.counters, errors: { ...this.counters.errors } },
      problems: [...this.problems],
    };
  }
}

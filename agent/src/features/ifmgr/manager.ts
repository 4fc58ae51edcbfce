// Keeps the kernel netdevs FRR needs in the state the owners asked for, and puts them back when something
// removes or downs them (zebra withdraws a VNI whose device vanished). Ownership is marked in the kernel (the
// link alias "vpc-gateway:<instance>"), so after an agent restart we still know what is ours; a device
// without our mark is never modified or deleted, even if it has a name we want (IFMGR_NAME_TAKEN).
import type { Logger } from 'pino';
import { checkIntent, emptyIntent, IfmgrError, type BridgeIntent, type IfmgrErrorCode, type NetdevIntent, type VxlanIntent } from './intent.ts';
import { ipCalls, type ChangeScope, type Kernel, type KernelLink, type LinkOp } from './kernel.ts';

export interface IfmgrSnapshot {
  alias: string;
  devices: { name: string; kind: string; netns?: string; present: boolean; up: boolean }[];
  loopbackAddresses: { cidr: string; present: boolean }[];
  counters: { reconciles: number; restores: number; errors: Partial<Record<IfmgrErrorCode, number>> };
  problems: string[];
}

/** How a change is named in a problem (the words the one-call path always used). */
function opText(o: LinkOp): string {
  if (o.op === 'del') return `delete ${o.dev}`;
  if (o.op === 'vxlan') return `create ${o.v.name}`;
  if (o.op === 'bridge') return `create ${o.b.name}`;
  if (o.op === 'master') return `enslave ${o.dev}`;
  return `up ${o.dev}`;
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
  /** Per space (namespace name, '' = the agent's): the digest of the devices realized there and its links as last
   *  read, kept up to date with what this manager did since. A space whose wanted devices have this digest and
   *  where the kernel reported no change since is left alone: with 100 VPC namespaces, reading each of them on
   *  every pass was most of the cost of a change that touches none (bench/overlay-control-plane.ts). */
  private readonly realized = new Map<string, { digest: string; links: Map<string, KernelLink> }>();
  /** Spaces the kernel reported a change in since the last pass; `everything` when it could not say where. */
  private changed = { spaces: new Set<string>(), everything: true };
  private loDigest = '';
  private lastLo: string[] = [];
  private check: NodeJS.Timeout | null = null;
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
    /** Every this often every space is read again anyway: a change the notifications missed is repaired then. */
    private readonly checkMs = 60_000,
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
    this.unwatch = this.kernel.watch((where) => this.noteChange(where));
    this.check = setInterval(() => this.noteChange('all'), this.checkMs);
    this.check.unref();
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
    if (this.check) clearInterval(this.check);
    this.check = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Removes every device and address this manager owns (agent shutdown with cleanup). */
  async clear(): Promise<void> {
    this.intents.clear();
    await this.reconcile();
  }

  private noteChange(where: ChangeScope): void {
    if (where === 'all') this.changed.everything = true;
    else if (where !== 'namespaces') this.changed.spaces.add(where.netns ?? '');
    // 'namespaces': the list is read on every pass anyway.
    this.schedule();
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
    // Taken now: a change reported while this pass runs is for the next one.
    const changed = this.changed;
    this.changed = { spaces: new Set(), everything: false };
    const dirty = (space: string | undefined): boolean => changed.everything || changed.spaces.has(space ?? '');
    /** Namespaces made in this pass. */
    const fresh = new Set<string>();
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
    for (const n of [...this.realized.keys()]) if (n !== '' && !present.has(n)) this.realized.delete(n);
    const usable = new Set<string>();
    // Many to make (a document's VPCs from nothing): one go when the kernel can. If that fails part way, what it
    // made is taken down again and each is made on its own below, with its own error.
    const missing = [...wantNs].filter((n) => !present.has(n));
    const madeTogether = new Set<string>();
    if (this.kernel.addNetnsMany && missing.length > 1) {
      try {
        await this.kernel.addNetnsMany(missing, this.alias);
        for (const n of missing) madeTogether.add(n);
      } catch (e) {
        this.log.warn({ mod: 'ifmgr', err: (e as Error).message }, 'namespaces not made in one go: one at a time');
        const now = new Set(await this.kernel.netnsList());
        for (const n of missing) if (now.has(n)) await this.kernel.delNetns(n).catch(() => undefined);
      }
    }
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
        if (!madeTogether.has(n) && !(await attempt(`create netns ${n}`, () => this.kernel.addNetns(n, this.alias)))) continue;
        this.nsAlias.set(n, this.alias);
        fresh.add(n);
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
        this.realized.delete(n);
      }
    }

    const placed = (d: { netns?: string }): boolean => d.netns === undefined || usable.has(d.netns);
    const vxlans = want.vxlans.filter(placed);
    const bridges = want.bridges.filter(placed);
    for (const space of [undefined, ...usable]) {
      const mine = { vxlans: vxlans.filter((v) => v.netns === space), bridges: bridges.filter((b) => b.netns === space) };
      const digest = JSON.stringify(mine);
      const key = space ?? '';
      const prev = this.realized.get(key);
      // Nothing asked of it changed and the kernel reported nothing there since: neither read nor touched.
      if (prev && prev.digest === digest && !dirty(space)) continue;
      // A namespace made in this pass holds only its lo: nothing to read.
      const links = fresh.has(key) ? new Map([['lo', { name: 'lo', kind: 'device', alias: this.alias, up: true }]]) : await this.readSpace(space);
      if (!links) {
        // Deleted since the pass began: its deletion woke us again, and the next pass restores it.
        this.realized.delete(key);
        continue;
      }
      const before = problems.length;
      await this.realizeSpace(space, mine, links, problems, attempt);
      // A space with a problem is read again next pass, so the problem stays reported until it is gone.
      this.realized.set(key, { digest: problems.length === before ? digest : '', links });
    }

    const loDigest = JSON.stringify(want.loopbackAddresses);
    if (this.loDigest !== loDigest || dirty(undefined)) {
      const before = problems.length;
      const lo = new Set(await this.kernel.loopbackAddresses());
      for (const a of want.loopbackAddresses) {
        if (!lo.has(a)) {
          if (this.ownedAddrs.has(a)) {
            this.counters.restores++;
            this.log.warn({ mod: 'ifmgr', addr: a }, 'loopback address missing: restoring');
          }
          if (await attempt(`add ${a} to lo`, () => this.kernel.addLoopbackAddress(a))) {
            this.ownedAddrs.add(a);
            lo.add(a);
          }
        }
        // Already there and not ours (an earlier run of ours, or the operator): kept, but never removed later.
      }
      const wantAddrs = new Set(want.loopbackAddresses);
      for (const a of [...this.ownedAddrs]) {
        if (!wantAddrs.has(a)) {
          if (!lo.has(a) || (await attempt(`remove ${a} from lo`, () => this.kernel.delLoopbackAddress(a)))) {
            this.ownedAddrs.delete(a);
            lo.delete(a);
          }
        }
      }
      this.lastLo = [...lo];
      this.loDigest = problems.length === before ? loDigest : '';
    }
    this.problems = problems;
  }

  /** One space's devices as the owners want them: stale ones of ours removed, missing or different ones made,
   *  members enslaved, everything up. `links` is what was read there; it is kept up to date with what is done,
   *  so the space needs no second read (the kernel's notifications of these very changes make the next pass
   *  read it once more, which is the check that they took). In a namespace of ours the changes go in one batch
   *  when the kernel can; if the batch fails, the space is read again and each change made on its own, so an
   *  error names its device. */
  private async realizeSpace(
    netns: string | undefined,
    want: { vxlans: VxlanIntent[]; bridges: BridgeIntent[] },
    links: Map<string, KernelLink>,
    problems: string[],
    attempt: (what: string, f: () => Promise<void>) => Promise<boolean>,
  ): Promise<void> {
    const before = new Map([...links].map(([n, l]) => [n, { ...l }]));
    let ops = this.planSpace(netns, want, links, problems);
    if (ops.length > 1 && netns !== undefined && this.kernel.batch) {
      try {
        await this.kernel.batch(netns, ops, this.alias);
        return;
      } catch (e) {
        this.log.warn({ mod: 'ifmgr', netns, err: (e as Error).message }, 'batch refused: one change at a time');
        const again = await this.readSpace(netns);
        if (!again) return;
        // What the batch made before it stopped carries no mark yet where the mark came later: those devices are
        // ours (absent when the space was read), not a stranger's.
        for (const o of ops) {
          const name = o.op === 'vxlan' ? o.v.name : o.op === 'bridge' ? o.b.name : undefined;
          if (name && !before.has(name) && again.has(name) && again.get(name)!.alias !== this.alias) {
            await this.kernel.delLink(name, netns).catch(() => undefined);
            again.delete(name);
          }
        }
        links.clear();
        for (const [n, l] of again) links.set(n, l);
        ops = this.planSpace(netns, want, links, []);
      }
    }
    const failed = new Set<string>();
    for (const o of ops) {
      const dev = o.op === 'vxlan' ? o.v.name : o.op === 'bridge' ? o.b.name : o.dev;
      if (failed.has(dev) || (o.op === 'master' && failed.has(o.master))) continue;
      const ok = await attempt(opText(o), () => this.runOp(o, netns));
      if (!ok) failed.add(dev);
    }
  }

  private runOp(o: LinkOp, netns: string | undefined): Promise<void> {
    switch (o.op) {
      case 'del':
        return this.kernel.delLink(o.dev, netns);
      case 'vxlan':
        return this.kernel.addVxlan(o.v, this.alias);
      case 'bridge':
        return this.kernel.addBridge(o.b, this.alias);
      case 'master':
        return this.kernel.setMaster(o.dev, o.master, netns);
      case 'up':
        return this.kernel.setUp(o.dev, netns);
    }
  }

  /** The changes that make `links` what `want` says, in the order they must be made (deletions, creations,
   *  masters, ups); `links` is updated as if they were made. A name held by a device not ours is a problem. */
  private planSpace(netns: string | undefined, want: { vxlans: VxlanIntent[]; bridges: BridgeIntent[] }, links: Map<string, KernelLink>, problems: string[]): LinkOp[] {
    const ours = (l: KernelLink | undefined): boolean => l?.alias === this.alias;
    const wanted = new Set([...want.vxlans, ...want.bridges].map((d) => d.name));
    const dels: LinkOp[] = [];
    const creates: LinkOp[] = [];
    const masters: LinkOp[] = [];
    const ups: LinkOp[] = [];
    // Stale devices first (ours, no longer wanted here), so a name can move between kinds or namespaces. lo of a
    // namespace of ours carries the namespace's mark: it is not a device of ours.
    for (const [name, link] of [...links]) {
      if (ours(link) && !wanted.has(name) && name !== 'lo') {
        dels.push({ op: 'del', dev: name });
        links.delete(name);
      }
    }
    const ensure = (name: string, kind: string, matches: (l: KernelLink) => boolean, create: LinkOp, made: KernelLink): void => {
      const l = links.get(name);
      if (l && !ours(l)) {
        this.count('IFMGR_NAME_TAKEN');
        problems.push(`${name}: a ${l.kind} device not created by this gateway has the name; left untouched`);
        return;
      }
      if (l && !matches(l)) {
        // Ours but with other parameters (e.g. VNI changed): replace.
        dels.push({ op: 'del', dev: name });
        links.delete(name);
      }
      if (!links.has(name)) {
        if (this.everSeen.has(devKey(netns, name))) {
          this.counters.restores++;
          this.log.warn({ mod: 'ifmgr', dev: name, kind, ...(netns ? { netns } : {}) }, 'device missing: restoring');
        }
        creates.push(create);
        links.set(name, made);
      }
      this.everSeen.add(devKey(netns, name));
    };
    for (const v of want.vxlans) {
      ensure(v.name, 'vxlan', (l) => l.kind === 'vxlan' && l.vni === v.vni && (l.local === undefined || l.local === v.local), { op: 'vxlan', v }, {
        name: v.name,
        kind: 'vxlan',
        alias: this.alias,
        up: false,
        vni: v.vni,
        local: v.local,
      });
    }
    for (const b of want.bridges) {
      ensure(b.name, 'bridge', (l) => l.kind === 'bridge' && (b.mac === undefined || l.mac === b.mac), { op: 'bridge', b }, {
        name: b.name,
        kind: 'bridge',
        alias: this.alias,
        up: false,
        ...(b.mac ? { mac: b.mac } : {}),
      });
    }
    for (const b of want.bridges) {
      for (const m of b.members) {
        const l = links.get(m);
        if (l && ours(l) && l.master !== b.name && ours(links.get(b.name))) {
          masters.push({ op: 'master', dev: m, master: b.name });
          l.master = b.name;
        }
      }
    }
    for (const name of wanted) {
      const l = links.get(name);
      if (l && ours(l) && !l.up) {
        ups.push({ op: 'up', dev: name });
        l.up = true;
      }
    }
    return [...dels, ...creates, ...masters, ...ups];
  }

  /** Devices and namespaces (`netns:<name>`) that existed once: their absence later is a restore. */
  private readonly everSeen = new Set<string>();
  /** Ownership mark of each namespace present, read once per appearance (a lookup per namespace per pass is costly). */
  private readonly nsAlias = new Map<string, string | undefined>();

  private async aliasOf(netns: string): Promise<string | undefined> {
    if (!this.nsAlias.has(netns)) this.nsAlias.set(netns, await this.kernel.netnsAlias(netns).catch(() => undefined));
    return this.nsAlias.get(netns);
  }

  /** The links of one space by name; undefined for a namespace that is gone (the agent's own failing throws). */
  private async readSpace(netns: string | undefined): Promise<Map<string, KernelLink> | undefined> {
    const ls = await this.kernel.links(netns).catch((e: unknown) => (netns === undefined ? Promise.reject(e) : undefined));
    return ls && new Map(ls.map((l) => [l.name, l]));
  }

  snapshot(): IfmgrSnapshot {
    const want = this.merge(this.intents);
    const lo = new Set(this.lastLo);
    return {
      alias: this.alias,
      devices: [...want.vxlans.map((v) => [v, 'vxlan'] as const), ...want.bridges.map((b) => [b, 'bridge'] as const)].map(([d, kind]) => {
        const l = this.realized.get(d.netns ?? '')?.links.get(d.name);
        return { name: d.name, kind, ...(d.netns ? { netns: d.netns } : {}), present: l?.alias === this.alias, up: !!l?.up };
      }),
      loopbackAddresses: want.loopbackAddresses.map((cidr) => ({ cidr, present: lo.has(cidr) })),
      counters: { ...this.counters, errors: { ...this.counters.errors } },
      problems: [...this.problems],
    };
  }
}

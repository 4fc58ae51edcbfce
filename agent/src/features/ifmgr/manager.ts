// Keeps the kernel netdevs FRR needs in the state the owners asked for, and puts them back when something
// removes or downs them (zebra withdraws a VNI whose device vanished). Ownership is marked in the kernel (the
// link alias "vpc-gateway:<instance>"), so after an agent restart we still know what is ours; a device
// without our mark is never modified or deleted, even if it has a name we want (IFMGR_NAME_TAKEN).
import type { Logger } from 'pino';
import { checkIntent, emptyIntent, IfmgrError, type IfmgrErrorCode, type NetdevIntent } from './intent.ts';
import type { Kernel, KernelLink } from './kernel.ts';

export interface IfmgrSnapshot {
  alias: string;
  devices: { name: string; kind: string; present: boolean; up: boolean }[];
  loopbackAddresses: { cidr: string; present: boolean }[];
  counters: { reconciles: number; restores: number; errors: Partial<Record<IfmgrErrorCode, number>> };
  problems: string[];
}

export class InterfaceManager {
  private readonly intents = new Map<string, NetdevIntent>();
  /** Loopback addresses this manager added (lo is not ours, only these addresses are). */
  private readonly ownedAddrs = new Set<string>();
  private readonly counters: IfmgrSnapshot['counters'] = { reconciles: 0, restores: 0, errors: {} };
  private problems: string[] = [];
  private lastLinks: KernelLink[] = [];
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
      await this.pass();
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    this.counters.reconciles++;
    const want = this.merge(this.intents);
    const problems: string[] = [];
    const links = new Map((await this.kernel.links()).map((l) => [l.name, l]));
    const ours = (l: KernelLink | undefined): boolean => l?.alias === this.alias;
    const wanted = new Set([...want.vxlans.map((v) => v.name), ...want.bridges.map((b) => b.name)]);
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

    // Stale devices first (ours, no longer wanted), so a name can move between kinds.
    for (const l of links.values()) {
      if (ours(l) && !wanted.has(l.name)) {
        if (await attempt(`delete ${l.name}`, () => this.kernel.delLink(l.name))) links.delete(l.name);
      }
    }
    const ensure = async (name: string, kind: string, matches: (l: KernelLink) => boolean, create: () => Promise<void>): Promise<void> => {
      const l = links.get(name);
      if (l && !ours(l)) {
        this.count('IFMGR_NAME_TAKEN');
        problems.push(`${name}: a ${l.kind} device not created by this gateway has the name; left untouched`);
        return;
      }
      if (l && !matches(l)) {
        // Ours but with other parameters (e.g. VNI changed): replace.
        if (!(await attempt(`replace ${name}`, () => this.kernel.delLink(name)))) return;
      }
      if (!l || !matches(l)) {
        if (this.everSeen.has(name)) {
          this.counters.restores++;
          this.log.warn({ mod: 'ifmgr', dev: name, kind }, 'device missing: restoring');
        }
        if (!(await attempt(`create ${name}`, create))) return;
      }
      this.everSeen.add(name);
    };
    for (const v of want.vxlans) {
      await ensure(v.name, 'vxlan', (l) => l.kind === 'vxlan' && l.vni === v.vni && (l.local === undefined || l.local === v.local), () => this.kernel.addVxlan(v, this.alias));
    }
    for (const b of want.bridges) {
      await ensure(b.name, 'bridge', (l) => l.kind === 'bridge' && (b.mac === undefined || l.mac === b.mac), () => this.kernel.addBridge(b, this.alias));
    }
    const after = new Map((await this.kernel.links()).map((l) => [l.name, l]));
    for (const b of want.bridges) {
      for (const m of b.members) {
        const l = after.get(m);
        if (ours(l) && l!.master !== b.name) await attempt(`enslave ${m}`, () => this.kernel.setMaster(m, b.name));
      }
    }
    for (const n of wanted) {
      const l = after.get(n);
      if (ours(l) && !l!.up) await attempt(`up ${n}`, () => this.kernel.setUp(n));
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
    this.lastLinks = await this.kernel.links();
    this.lastLo = await this.kernel.loopbackAddresses();
  }

  private readonly everSeen = new Set<string>();

  snapshot(): IfmgrSnapshot {
    const want = this.merge(this.intents);
    const links = new Map(this.lastLinks.map((l) => [l.name, l]));
    const lo = new Set(this.lastLo);
    return {
      alias: this.alias,
      devices: [...want.vxlans.map((v) => [v.name, 'vxlan'] as const), ...want.bridges.map((b) => [b.name, 'bridge'] as const)].map(([name, kind]) => {
        const l = links.get(name);
        return { name, kind, present: l?.alias === this.alias, up: !!l?.up };
      }),
      loopbackAddresses: want.loopbackAddresses.map((cidr) => ({ cidr, present: lo.has(cidr) })),
      counters: { ...this.counters, errors: { ...this.counters.errors } },
      problems: [...this.problems],
    };
  }
}

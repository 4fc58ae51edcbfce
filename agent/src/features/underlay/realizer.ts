// Brings the dataplane from what it realizes now to a DesiredTables, by diffing: ports are hot-added/removed
// with their punt taps, tap addresses changed in place, routes replaced (add = add-or-replace in the FIB, so a
// changed route never has a gap), and nexthops/groups garbage-collected once nothing points at them.
//
// The realizer's record is updated item by item as writes succeed, never ahead of them. So when an apply fails
// half way, the next apply (the config hub re-applies the previous generation) diffs from what is really in the
// dataplane and restores the previous generation exactly.
import type { DataplaneApi, PortId, PortInfo, RouteOp, TableErrorCode } from '../../dataplane/api.ts';
import type { DesiredTables, NexthopWant, PortWant, RouteWant } from './desired.ts';

/** Kernel-side and device-side port work (the component does it with `ip` and the addon; tests with fakes). */
export interface PortOps {
  /** Probes the device, creates its tap with the addresses, link up. Leaves nothing behind when it throws. */
  add(p: PortWant): Promise<PortInfo>;
  remove(p: PortWant, info: PortInfo): Promise<void>;
  setTapAddresses(p: PortWant, info: PortInfo, del: string[], add: string[]): Promise<void>;
  /** The set of document ports changed (the neighbor learner follows their taps). */
  portsChanged(ports: { want: PortWant; info: PortInfo }[]): void;
}

/** An apply failure, naming the port or route of the document it concerns. */
export class RealizeError extends Error {
  constructor(
    readonly ref: { port: string } | { route: string },
    message: string,
  ) {
    super(message);
  }
}

/** Ids from a fixed range, reused after release. */
export class IdRange {
  private next: number;
  private readonly free: number[] = [];
  constructor(
    lo: number,
    private readonly hi: number,
  ) {
    this.next = lo;
  }
  take(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.next > this.hi) throw new Error('reserved nexthop/group ids exhausted');
    return this.next++;
  }
  give(id: number): void {
    this.free.push(id);
  }
}

export interface RealizerStats {
  applies: number;
  applyFailures: number;
  portsAdded: number;
  portsRemoved: number;
  routesSet: number;
  routesDeleted: number;
}

const portSig = (p: PortWant): string => JSON.stringify([p.device, p.mtu, p.netns ?? '']);
const nhKey = (n: NexthopWant): string => `${n.port}|${n.via ?? ''}`;
const groupSig = (nhs: NexthopWant[]): string => nhs.map((n) => `${nhKey(n)}*${n.weight}`).sort().join(' ');
const routeSig = (r: RouteWant): string => (r.kind === 'unicast' ? `unicast ${groupSig(r.nexthops)}` : r.kind);

export class Realizer {
  readonly stats: RealizerStats = { applies: 0, applyFailures: 0, portsAdded: 0, portsRemoved: 0, routesSet: 0, routesDeleted: 0 };
  private readonly ports = new Map<string, { want: PortWant; info: PortInfo }>();
  private readonly nhs = new Map<string, { id: number; port: PortId }>();
  private readonly groups = new Map<string, number>();
  private readonly routes = new Map<string, { want: RouteWant; sig: string; group?: string }>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly dp: DataplaneApi,
    private readonly ops: PortOps,
    private readonly ids: { nexthops: IdRange; groups: IdRange },
    /** Ports owned by the boot file, usable as next hops. */
    private readonly bootPorts: ReadonlyMap<string, PortInfo>,
  ) {}

  /** What the document currently has realized (for `show` and tests). */
  realized(): { ports: { name: string; id: PortId; tap: string; addresses: string[] }[]; routes: RouteWant[] } {
    return {
      ports: [...this.ports.values()].map(({ want, info }) => ({ name: want.name, id: info.id, tap: info.tapName, addresses: [...want.addresses] })),
      routes: [...this.routes.values()].map((r) => r.want),
    };
  }

  /** Applies are serialized: each diffs from the state the previous one left. */
  apply(next: DesiredTables): Promise<void> {
    const run = this.queue.then(() => this.doApply(next));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doApply(next: DesiredTables): Promise<void> {
    this.stats.applies++;
    try {
      await this.diff(next);
    } catch (e) {
      this.stats.applyFailures++;
      throw e;
    }
  }

  private async diff(next: DesiredTables): Promise<void> {
    const going = new Set([...this.ports].filter(([n, cur]) => {
      const w = next.ports.get(n);
      return !w || portSig(w) !== portSig(cur.want);
    }).map(([n]) => n));

    // 1. Routes that go away, or that point at a port about to be removed or re-created.
    const refsGoing = (r: RouteWant): boolean => r.kind === 'unicast' && r.nexthops.some((n) => going.has(n.port));
    const del = [...this.routes].filter(([p, cur]) => !next.routes.has(p) || refsGoing(cur.want)).map(([p]) => p);
    this.write(del.map((prefix) => ({ op: 'del', vrf: 0, prefix })), (prefix, code) => {
      if (code !== 'ok' && code !== 'not_found') return false;
      this.routes.delete(prefix);
      this.stats.routesDeleted++;
      return true;
    });
    this.gc();

    // 2. Ports: remove, then add new ones and move addresses of kept ones.
    let changed = false;
    for (const name of going) {
      const cur = this.ports.get(name)!;
      try {
        await this.ops.remove(cur.want, cur.info);
      } catch (e) {
        throw new RealizeError({ port: name }, `removing port ${name}: ${(e as Error).message}`);
      }
      this.ports.delete(name);
      this.stats.portsRemoved++;
    }
    // Before any port is added: a port re-created under the same id must start with no learned neighbors.
    if (going.size > 0) this.ops.portsChanged([...this.ports.values()]);
    try {
      for (const [name, w] of next.ports) {
        const cur = this.ports.get(name);
        if (!cur) {
          let info: PortInfo;
          try {
            info = await this.ops.add(w);
          } catch (e) {
            throw new RealizeError({ port: name }, `port ${name} (${w.device}): ${(e as Error).message}`);
          }
          this.ports.set(name, { want: w, info });
          this.stats.portsAdded++;
          changed = true;
          this.portAddresses(name, info.id, w.addresses);
        } else if (cur.want.addresses.join() !== w.addresses.join()) {
          const del = cur.want.addresses.filter((a) => !w.addresses.includes(a));
          const add = w.addresses.filter((a) => !cur.want.addresses.includes(a));
          try {
            await this.ops.setTapAddresses(w, cur.info, del, add);
          } catch (e) {
            // Which addresses made it is unknown: the next apply puts the whole wanted set on again.
            cur.want = { ...cur.want, addresses: [...new Set([...cur.want.addresses, ...add])] };
            throw new RealizeError({ port: name }, `addresses of ${name}: ${(e as Error).message}`);
          }
          cur.want = w;
          this.portAddresses(name, cur.info.id, w.addresses);
        }
      }
    } finally {
      if (changed) this.ops.portsChanged([...this.ports.values()]);
    }

    // 3. Routes that are new or changed: their nexthops and groups first, then add-or-replace.
    const todo = [...next.routes].filter(([p, r]) => this.routes.get(p)?.sig !== routeSig(r)).map(([, r]) => r);
    const newNhs: { key: string; id: number; port: PortId; via?: string }[] = [];
    for (const r of todo) {
      if (r.kind !== 'unicast') continue;
      for (const n of r.nexthops) {
        const k = nhKey(n);
        if (this.nhs.has(k) || newNhs.some((x) => x.key === k)) continue;
        const port = this.ports.get(n.port)?.info.id ?? this.bootPorts.get(n.port)?.id;
        if (port === undefined) throw new RealizeError({ route: r.prefix }, `route ${r.prefix}: no port ${n.port}`);
        newNhs.push({ key: k, id: this.ids.nexthops.take(), port, ...(n.via ? { via: n.via } : {}) });
      }
    }
    const nhRes = this.dp.setNexthops(newNhs.map((n) => (n.via ? { id: n.id, port: n.port, gateway: n.via } : { id: n.id, port: n.port })));
    newNhs.forEach((n, i) => {
      if (nhRes[i] === 'ok') this.nhs.set(n.key, { id: n.id, port: n.port });
      else this.ids.nexthops.give(n.id);
    });
    const badNh = nhRes.findIndex((c) => c !== 'ok');
    if (badNh >= 0) throw new RealizeError({ route: todo.find((r) => r.kind === 'unicast' && r.nexthops.some((n) => nhKey(n) === newNhs[badNh]!.key))!.prefix }, `next hop ${newNhs[badNh]!.key}: ${nhRes[badNh]}`);

    const newGroups: { sig: string; id: number; nhs: NexthopWant[]; prefix: string }[] = [];
    for (const r of todo) {
      if (r.kind !== 'unicast') continue;
      const sig = groupSig(r.nexthops);
      if (this.groups.has(sig) || newGroups.some((g) => g.sig === sig)) continue;
      newGroups.push({ sig, id: this.ids.groups.take(), nhs: r.nexthops, prefix: r.prefix });
    }
    const gRes = this.dp.setGroups(newGroups.map((g) => ({ id: g.id, members: g.nhs.map((n) => ({ nexthop: this.nhs.get(nhKey(n))!.id, weight: n.weight })) })));
    newGroups.forEach((g, i) => {
      if (gRes[i] === 'ok') this.groups.set(g.sig, g.id);
      else this.ids.groups.give(g.id);
    });
    const badG = gRes.findIndex((c) => c !== 'ok');
    if (badG >= 0) throw new RealizeError({ route: newGroups[badG]!.prefix }, `route ${newGroups[badG]!.prefix}: group ${gRes[badG]}`);

    const byPrefix = new Map(todo.map((r) => [r.prefix, r]));
    this.write(
      todo.map((r): RouteOp => ({
        op: 'add',
        vrf: 0,
        prefix: r.prefix,
        target: r.kind === 'unicast' ? { kind: 'unicast', group: this.groups.get(groupSig(r.nexthops))! } : { kind: r.kind },
      })),
      (prefix, code) => {
        if (code !== 'ok') return false;
        const r = byPrefix.get(prefix)!;
        this.routes.set(prefix, { want: r, sig: routeSig(r), ...(r.kind === 'unicast' ? { group: groupSig(r.nexthops) } : {}) });
        this.stats.routesSet++;
        return true;
      },
    );
    this.gc();
  }

  private portAddresses(name: string, id: PortId, addresses: string[]): void {
    const code = this.dp.setPortAddresses(id, addresses);
    if (code !== 'ok') throw new RealizeError({ port: name }, `ICMP source addresses of ${name}: ${code}`);
  }

  /** One batch; `took` records an item's result and says whether it counts as success. */
  private write(ops: RouteOp[], took: (prefix: string, code: TableErrorCode) => boolean): void {
    if (ops.length === 0) return;
    const res = this.dp.applyRoutes(ops);
    let bad: { prefix: string; code: TableErrorCode } | undefined;
    ops.forEach((o, i) => {
      if (!took(o.prefix, res[i]!) && !bad) bad = { prefix: o.prefix, code: res[i]! };
    });
    if (bad) throw new RealizeError({ route: bad.prefix }, `route ${bad.prefix}: ${bad.code}`);
  }

  /** Groups no route uses, then nexthops no group uses. */
  private gc(): void {
    const usedGroups = new Set([...this.routes.values()].map((r) => r.group).filter((g) => g !== undefined));
    const deadGroups = [...this.groups].filter(([sig]) => !usedGroups.has(sig));
    const gRes = this.dp.delGroups(deadGroups.map(([, id]) => id));
    deadGroups.forEach(([sig, id], i) => {
      if (gRes[i] === 'ok' || gRes[i] === 'not_found') {
        this.groups.delete(sig);
        this.ids.groups.give(id);
      }
    });
    const usedNhs = new Set([...this.groups.keys()].flatMap((sig) => sig.split(' ').map((m) => m.slice(0, m.lastIndexOf('*')))));
    const deadNhs = [...this.nhs].filter(([k]) => !usedNhs.has(k));
    const nRes = this.dp.delNexthops(deadNhs.map(([, n]) => n.id));
    deadNhs.forEach(([k, n], i) => {
      if (nRes[i] === 'ok' || nRes[i] === 'not_found') {
        this.nhs.delete(k);
        this.ids.nexthops.give(n.id);
      }
    });
  }
}

// Brings the dataplane from what it realizes now to a DesiredTables, by diffing: ports are hot-added/removed
// with their punt taps, tap addresses changed in place, routes replaced (add = add-or-replace in the FIB, so a
// changed route never has a gap), and nexthops/groups garbage-collected once nothing points at them.
//
// The realizer's record is updated item by item as writes succeed, never ahead of them. So when an apply fails
// half way, the next apply (the config hub re-applies the previous generation) diffs from what is really in the
// dataplane and restores the previous generation exactly.
import { IdRange, IdsExhausted, NexthopBatch, NexthopOwner, type IdPools, type NexthopSpec } from '../../core/nexthops.ts';
import type { DataplaneApi, PortId, PortInfo, RouteOp, RouteTarget, TableErrorCode } from '../../dataplane/api.ts';
import type { DesiredTables, NexthopWant, PortWant, RouteWant } from './desired.ts';

export { IdRange };

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
  /** Group id each realized unicast route holds a reference on. */
  private readonly routes = new Map<string, { want: RouteWant; sig: string; group?: number }>();
  private readonly nexthops: NexthopOwner;
  private queue: Promise<void> = Promise.resolve();
  private routerId: string | undefined;

  constructor(
    private readonly dp: DataplaneApi,
    private readonly ops: PortOps,
    /** The underlay's owner (shared with the boot tables), or the id pools of one of its own. */
    ids: IdPools | NexthopOwner,
    /** Ports owned by the boot file, usable as next hops. */
    private readonly bootPorts: ReadonlyMap<string, PortInfo>,
    /** The boot ports' addresses (their ICMP sources; an unnumbered one gets the router-id for IPv4). */
    private readonly bootAddresses: ReadonlyMap<string, readonly string[]> = new Map(),
  ) {
    this.nexthops = ids instanceof NexthopOwner ? ids : new NexthopOwner(ids);
  }

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
    const dead = new NexthopBatch();
    try {
      this.write(del.map((prefix) => ({ op: 'del', vrf: 0, prefix })), (prefix, code) => {
        if (code !== 'ok' && code !== 'not_found') return false;
        const g = this.routes.get(prefix)!.group;
        if (g !== undefined) this.nexthops.release(g, dead);
        this.routes.delete(prefix);
        this.stats.routesDeleted++;
        return true;
      });
    } finally {
      this.deleteDead(dead);
    }

    // 2. Ports: remove, then add new ones and move addresses of kept ones.
    let changed = false;
    if (next.routerId !== this.routerId) {
      // ICMPv4 errors need an IPv4 source; a port without an IPv4 address (an unnumbered fabric port) sends
      // them from the router-id, the address the fabric routes to this gateway (RFC 7600-style practice; the
      // interface itself can be named by RFC 5837, not done here). Ports with an address keep theirs.
      this.routerId = next.routerId;
      for (const [name, info] of this.bootPorts) this.portAddresses(name, info.id, [...(this.bootAddresses.get(name) ?? [])]);
      for (const [name, cur] of this.ports) if (!going.has(name)) this.portAddresses(name, cur.info.id, cur.want.addresses);
    }
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

    // 3. Routes that are new or changed: hold their groups (new nexthops and groups written first), then
    // add-or-replace. What a failed step held is released again, so the owner's books match the dataplane.
    const todo = [...next.routes].filter(([p, r]) => this.routes.get(p)?.sig !== routeSig(r)).map(([, r]) => r);
    const batch = new NexthopBatch();
    const held = new Map<string, RouteTarget>();
    try {
      this.writeTargets(batch, this.holdTargets(todo, batch, held));
      const byPrefix = new Map(todo.map((r) => [r.prefix, r]));
      this.write(
        todo.map((r): RouteOp => ({ op: 'add', vrf: 0, prefix: r.prefix, target: held.get(r.prefix)! })),
        (prefix, code) => {
          if (code !== 'ok') return false;
          const r = byPrefix.get(prefix)!;
          const t = held.get(prefix)!;
          held.delete(prefix);
          const old = this.routes.get(prefix)?.group;
          if (old !== undefined) this.nexthops.release(old, batch);
          this.routes.set(prefix, { want: r, sig: routeSig(r), ...(t.kind === 'unicast' ? { group: t.group } : {}) });
          this.stats.routesSet++;
          return true;
        },
      );
    } finally {
      for (const t of held.values()) this.nexthops.releaseTarget(t, batch);
      this.deleteDead(batch);
    }
  }

  /** The target of each route, holding the groups of unicast ones; notes which route made each new entry. */
  private holdTargets(todo: RouteWant[], batch: NexthopBatch, held: Map<string, RouteTarget>): Map<object, { prefix: string; key?: string }> {
    const madeBy = new Map<object, { prefix: string; key?: string }>();
    for (const r of todo) {
      if (r.kind !== 'unicast') {
        held.set(r.prefix, { kind: r.kind });
        continue;
      }
      const specs = r.nexthops.map((n): NexthopSpec => {
        const port = this.ports.get(n.port)?.info.id ?? this.bootPorts.get(n.port)?.id;
        if (port === undefined) throw new RealizeError({ route: r.prefix }, `route ${r.prefix}: no port ${n.port}`);
        return n.via ? { kind: 'gateway', port, gateway: n.via, weight: n.weight } : { kind: 'connected', port, weight: n.weight };
      });
      const [nhs, groups] = [batch.newNexthops.length, batch.newGroups.length];
      const t = this.nexthops.hold(specs, batch);
      if (!t) throw new IdsExhausted();
      held.set(r.prefix, t);
      batch.newNexthops.slice(nhs).forEach((n) => {
        const w = r.nexthops[specs.findIndex((x) => x.kind !== 'blackhole' && x.kind !== 'reject' && x.port === n.port && (x.kind === 'gateway' ? x.gateway : undefined) === n.gateway)]!;
        madeBy.set(n, { prefix: r.prefix, key: nhKey(w) });
      });
      batch.newGroups.slice(groups).forEach((g) => madeBy.set(g, { prefix: r.prefix }));
    }
    return madeBy;
  }

  /** Writes the nexthops, then the groups, the holds created; a refusal names the route that needed it first. */
  private writeTargets(batch: NexthopBatch, madeBy: Map<object, { prefix: string; key?: string }>): void {
    const nhRes = this.dp.setNexthops(batch.newNexthops);
    const badNh = nhRes.findIndex((c) => c !== 'ok');
    if (badNh >= 0) {
      const m = madeBy.get(batch.newNexthops[badNh]!)!;
      throw new RealizeError({ route: m.prefix }, `next hop ${m.key}: ${nhRes[badNh]}`);
    }
    const gRes = this.dp.setGroups(batch.newGroups);
    const badG = gRes.findIndex((c) => c !== 'ok');
    if (badG >= 0) {
      const m = madeBy.get(batch.newGroups[badG]!)!;
      throw new RealizeError({ route: m.prefix }, `route ${m.prefix}: group ${gRes[badG]}`);
    }
  }

  private portAddresses(name: string, id: PortId, addresses: string[]): void {
    const unnumbered = this.routerId !== undefined && !addresses.some((a) => !a.includes(':'));
    const code = this.dp.setPortAddresses(id, unnumbered ? [...addresses, this.routerId!] : addresses);
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

  /** Groups no route holds any more, then nexthops no group uses; never a nexthop a live group points at. */
  private deleteDead(batch: NexthopBatch): void {
    if (batch.deadGroups.length) this.dp.delGroups(batch.deadGroups.splice(0));
    if (batch.deadNexthops.length) this.dp.delNexthops(batch.deadNexthops.splice(0));
  }
}

// Which dataplane port a zebra nexthop leaves through. zebra names interfaces by (vrf, ifindex); the
// dataplane's ports appear to FRR as their punt taps, so a nexthop is forwardable exactly when its ifindex
// is one of those taps. Anything else (a veth zebra sees directly, an SVI) is not a dataplane port.
import { execFileSync } from 'node:child_process';
import type { DataplaneApi, PortId } from '../dataplane/api.ts';

export interface PortResolver {
  /** Dataplane port whose tap has this ifindex in zebra's view, undefined when none. */
  portFor(vrf: number, ifindex: number): PortId | undefined;
  /** Changes whenever an answer of portFor may have changed (callers may cache answers until then). */
  readonly version?: number;
}

/** A resolver from a fixed table, for unit tests and for callers that already know the mapping. */
export class StaticPortResolver implements PortResolver {
  constructor(private readonly byIfindex: Map<number, PortId>) {}
  portFor(_vrf: number, ifindex: number): PortId | undefined {
    return this.byIfindex.get(ifindex);
  }
}

/**
 * Reads the taps' ifindexes from the kernel (`ip -j link` in each port's netns). Cached; a miss refreshes the
 * table at most once a second, so a nexthop over a foreign interface costs one lookup, not one per route.
 */
export class TapPortResolver implements PortResolver {
  private table = new Map<number, PortId>();
  private refreshedAt = 0;
  version = 0;

  constructor(
    private readonly dp: DataplaneApi,
    /** netns of each port's tap by port name (boot section `dataplane.ports[].netns`). */
    private readonly netnsOf: (portName: string) => string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  portFor(_vrf: number, ifindex: number): PortId | undefined {
    const hit = this.table.get(ifindex);
    if (hit !== undefined) return hit;
    if (this.now() - this.refreshedAt < 1000) return undefined;
    this.refresh();
    return this.table.get(ifindex);
  }

  refresh(): void {
    this.refreshedAt = this.now();
    const t = new Map<number, PortId>();
    for (const p of this.dp.ports()) {
      const ns = this.netnsOf(p.name);
      try {
        const out = execFileSync('ip', [...(ns ? ['-n', ns] : []), '-j', 'link', 'show', 'dev', p.tapName], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const links = JSON.parse(out) as { ifindex?: unknown }[];
        const idx = links[0]?.ifindex;
        if (typeof idx === 'number') t.set(idx, p.id);
      } catch {
        // tap not (yet) there: its routes are refused until it is
      }
    }
    if (t.size !== this.table.size || [...t].some(([k, v]) => this.table.get(k) !== v)) this.version++;
    this.table = t;
  }
}

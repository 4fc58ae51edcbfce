// Which dataplane port a zebra nexthop leaves through. zebra names interfaces by (vrf, ifindex); the
// dataplane's ports appear to FRR as their punt taps, so a nexthop is forwardable exactly when its ifindex
// is one of those taps. Anything else (a veth zebra sees directly, an SVI) is not a dataplane port.
import { execFileSync } from 'node:child_process';
import type { DataplaneApi, PortId, PortInfo } from '../../dataplane/api.ts';

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

/** Changes whenever a port is added, removed or re-created with another tap. */
const sigOf = (ports: PortInfo[]): string => ports.map((p) => `${p.id}:${p.tapName}:${p.tapPortId}`).join(',');

/** What one `ip -j link` of a namespace says: every link's ifindex by name. */
export type LinkLister = (netns: string | undefined) => Map<string, number>;

function ipLinks(netns: string | undefined): Map<string, number> {
  const out = execFileSync('ip', [...(netns ? ['-n', netns] : []), '-j', 'link', 'show'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const m = new Map<string, number>();
  for (const l of JSON.parse(out) as { ifname?: unknown; ifindex?: unknown }[]) {
    if (typeof l.ifname === 'string' && typeof l.ifindex === 'number') m.set(l.ifname, l.ifindex);
  }
  return m;
}

/**
 * Reads the taps' ifindexes from the kernel (one `ip -j link` per namespace holding taps). A refused route is
 * never retried by zebra, so a miss must not be answered from a stale table: a miss refreshes at once when
 * the dataplane's ports changed, or when the ifindex is newer than every ifindex the last refresh saw in some
 * namespace (the kernel hands out increasing ifindexes, so that interface was created since). Otherwise the
 * miss is a known foreign interface and refreshes at most once a second, so a stream of routes over a veth
 * costs one lookup, not one per route.
 */
export class TapPortResolver implements PortResolver {
  private table = new Map<number, PortId>();
  private refreshedAt = 0;
  private portsSig = '';
  /** Per namespace, the highest ifindex the last refresh saw; a larger one is an interface created since. */
  private newestSeen = -1;
  version = 0;

  constructor(
    private readonly dp: DataplaneApi,
    /** netns of each port's tap by port name. */
    private readonly netnsOf: (portName: string) => string | undefined,
    private readonly now: () => number = Date.now,
    private readonly listLinks: LinkLister = ipLinks,
  ) {}

  portFor(_vrf: number, ifindex: number): PortId | undefined {
    const hit = this.table.get(ifindex);
    if (hit !== undefined) return hit;
    const ports = this.dp.ports();
    if (ifindex > this.newestSeen || sigOf(ports) !== this.portsSig || this.now() - this.refreshedAt >= 1000) {
      this.refresh(ports);
    }
    return this.table.get(ifindex);
  }

  refresh(ports: PortInfo[] = this.dp.ports()): void {
    this.refreshedAt = this.now();
    this.portsSig = sigOf(ports);
    const t = new Map<number, PortId>();
    const byNs = new Map<string | undefined, Map<string, number>>();
    let newest = Infinity;
    for (const p of ports) {
      const ns = this.netnsOf(p.name);
      if (!byNs.has(ns)) {
        let links = new Map<string, number>();
        try {
          links = this.listLinks(ns);
        } catch {
          // namespace not (yet) there: its taps' routes are refused until it is
        }
        byNs.set(ns, links);
        newest = Math.min(newest, links.size ? Math.max(...links.values()) : -1);
      }
      const idx = byNs.get(ns)!.get(p.tapName);
      if (idx !== undefined) t.set(idx, p.id);
    }
    this.newestSeen = newest === Infinity ? -1 : newest;
    if (t.size !== this.table.size || [...t].some(([k, v]) => this.table.get(k) !== v)) this.version++;
    this.table = t;
  }
}

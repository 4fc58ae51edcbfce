// zebra's VRF ids of the VPCs (the ZEBRA_VRFS service): the zebra plugin names a route's VRF by zebra's vrf_id,
// the routing feature needs the VPC. With the netns backend zebra numbers VRFs itself, in the order it discovers
// them (1, 2, ... in lib/netns_linux.c ns_map_nsid_with_external, NOT the kernel's nsid), so the ids move when
// zebra restarts or a VPC is re-created: the map is re-read (`show vrf`; 8.4 has no JSON for it) and tells its
// listeners when it changed.
export function parseShowVrf(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    // "vrf blue id 3 netns blue (configured)" / "vrf blue id 3 table 1005000"; inactive VRFs have no id.
    const m = /^vrf (\S+) id (\d+)\b/.exec(line.trim());
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

export class ZebraVrfMap {
  private byName = new Map<string, number>();
  private byId = new Map<number, string>();
  private readonly listeners: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<boolean> | null = null;

  private syncAt = -Infinity;

  constructor(
    /** `show vrf` of the gateway's zebra; undefined when zebra does not answer. */
    private readonly read: () => Promise<string | undefined>,
    /** The VPC names in force: only those are VPC VRFs. */
    private readonly vpcs: () => ReadonlySet<string>,
    /** The same, blocking: a route of an unknown VRF is refused and zebra never retries it, so a miss must be
     *  answered from zebra now (at most once a second). */
    private readonly readSync?: () => string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  vpcOf(zebraVrfId: number): string | undefined {
    if (zebraVrfId !== 0 && !this.byId.has(zebraVrfId) && this.readSync && this.now() - this.syncAt >= 1000) {
      this.syncAt = this.now();
      const text = this.readSync();
      if (text !== undefined) this.install(text);
    }
    return this.byId.get(zebraVrfId);
  }

  zebraVrfOf(vpc: string): number | undefined {
    return this.byName.get(vpc);
  }

  entries(): { vpc: string; zebraVrf: number }[] {
    return [...this.byName].map(([vpc, zebraVrf]) => ({ vpc, zebraVrf }));
  }

  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  /** Re-reads zebra; true when the map changed (listeners were told). A zebra that does not answer changes nothing. */
  refresh(): Promise<boolean> {
    this.reading ??= this.readNow().finally(() => (this.reading = null));
    return this.reading;
  }

  private async readNow(): Promise<boolean> {
    const text = await this.read().catch(() => undefined);
    if (text === undefined) return false;
    return this.install(text);
  }

  private install(text: string): boolean {
    const vpcs = this.vpcs();
    const next = new Map([...parseShowVrf(text)].filter(([name, id]) => id !== 0 && vpcs.has(name)));
    const same = next.size === this.byName.size && [...next].every(([n, id]) => this.byName.get(n) === id);
    if (same) return false;
    this.byName = next;
    this.byId = new Map([...next].map(([n, id]) => [id, n]));
    for (const cb of this.listeners) cb();
    return true;
  }

  /** Polls while there are VPCs (zebra restarts renumber them; nothing announces it). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.vpcs().size > 0 || this.byName.size > 0) void this.refresh();
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

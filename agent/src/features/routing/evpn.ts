// EVPN model: remote MACs, neighbors (incl. router MACs of remote VTEPs) and VTEPs, keyed to their VNI.
// zebra 8.4 puts no VNI on MAC/NEIGH/VTEP ops, only the netdev: the VNI comes from the vxlan netdev -> VNI
// map (the interface manager creates those devices, so it knows it; tests give it directly). A MAC on an
// SVI bridge is mapped through the vxlan enslaved to it (bridge name -> VNI). Entries whose netdev has no
// VNI yet are kept under VNI 0 and re-keyed when the map learns it.
//
// Router MACs (RMAC) of remote VTEPs are what overlay routes need (zebra puts none on a route): per (L3VNI,
// VTEP), the MAC of the neighbor VTEP on the L3 SVI, else the MAC installed on the L3VNI vxlan with that VTEP
// (note section 10). Changes are collected for the FIB, which rewrites tunnels and installs waiting routes.
import type { MacBody, NeighBody, VtepBody } from '../../../../wire/gen/wire.gen.ts';

export interface VniMap {
  /** VNI of a vxlan netdev, or of the bridge (SVI) a vxlan is enslaved to; undefined when unknown. */
  vniOf(ifname: string): number | undefined;
  /** What vniOf would answer from what is known already, never asking the kernel (for /metrics). */
  cached?(ifname: string): number | undefined;
}

type Entry = { vni: number; ifname: string };

export interface EvpnMac {
  vni: number;
  mac: string;
  vtep: string;
  ifname: string;
  sticky: boolean;
}

export interface EvpnNeigh {
  vni: number;
  ip: string;
  mac: string | null;
  ifname: string;
  /** True when ip is a remote VTEP and mac its router MAC (neighbor on an L3VNI SVI). */
  routerMac: boolean;
}

export interface EvpnVtep {
  vni: number;
  vtep: string;
  ifname: string;
}

/** A router MAC that appeared, changed or went (mac undefined) for (vni, vtep). */
export interface RmacChange {
  vni: number;
  vtep: string;
  mac: string | undefined;
}

/** Where the FIB finds a remote VTEP's router MAC. */
export interface RmacSource {
  rmac(vni: number, vtep: string): string | undefined;
}

export interface EvpnSnapshot {
  macs: EvpnMac[];
  neighbors: EvpnNeigh[];
  vteps: EvpnVtep[];
}

/** ::ffff:a.b.c.d (how zebra names a VTEP on IPv6 routes) -> a.b.c.d; the VTEP is one address either way. */
export function unmapV4(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m) return m[1]!;
  const h = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!h) return ip;
  const a = parseInt(h[1]!, 16);
  const b = parseInt(h[2]!, 16);
  return `${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
}

export class EvpnModel implements RmacSource {
  private readonly macs = new Map<string, EvpnMac>();
  private readonly neighs = new Map<string, EvpnNeigh>();
  private readonly vteps = new Map<string, EvpnVtep>();
  /** Epoch of the last op that announced each entry (keys prefixed m/, n/, v/), for mark-and-sweep. */
  private readonly epochs = new Map<string, number>();
  private readonly vtepIps = new Set<string>();
  /** Entries per netdev and the VNI they were stored under: sizes() counts VNIs without copying the model. */
  private readonly byIfname = new Map<string, Map<number, number>>();
  /**
   * "vni/vtep" -> router MAC from a neighbor on the L3 SVI (n) and the MACs on the L3VNI vxlan that name this
   * VTEP (m, newest last: while zebra moves a VTEP to a new RMAC both are installed for a moment).
   */
  private readonly rmacs = new Map<string, { n?: string; m: string[] }>();
  /** "vni/vtep" keys whose rmac() answer may have changed since the last drainRmacChanges(). */
  private readonly rmacDirty = new Map<string, string | undefined>();

  constructor(private readonly vnis: VniMap) {}

  /** An update keeps the entry's place in the map (snapshot order). */
  private put<T extends Entry>(table: Map<string, T>, k: string, e: T): void {
    const old = table.get(k);
    if (old) this.count(old, -1);
    table.set(k, e);
    this.count(e, 1);
  }

  private drop(table: Map<string, Entry>, k: string): void {
    const old = table.get(k);
    if (!old) return;
    table.delete(k);
    this.count(old, -1);
  }

  private count(e: Entry, d: number): void {
    this.indexRmac(e, d);
    let m = this.byIfname.get(e.ifname);
    if (!m) this.byIfname.set(e.ifname, (m = new Map()));
    const n = (m.get(e.vni) ?? 0) + d;
    if (n > 0) m.set(e.vni, n);
    else m.delete(e.vni);
    if (m.size === 0) this.byIfname.delete(e.ifname);
  }

  /**
   * Neighbors (ip, mac) and MACs (mac, vtep) index as router-MAC candidates of (vni, ip|vtep); host entries of
   * L2VNIs land under their L2VNI, which no overlay route asks for. Entries without a known VNI are not indexed.
   */
  private indexRmac(e: Entry, d: number): void {
    const x = e as Entry & Partial<EvpnMac & EvpnNeigh>;
    const neigh = 'routerMac' in x;
    const slot = neigh ? 'n' : 'sticky' in x ? 'm' : undefined;
    const ip = neigh ? x.ip : x.vtep;
    if (!slot || !x.mac || !ip || e.vni === 0) return;
    const k = `${e.vni}/${ip}`;
    const r = this.rmacs.get(k) ?? { m: [] };
    const before = r.n ?? r.m.at(-1);
    if (slot === 'n') {
      if (d > 0) r.n = x.mac;
      else if (r.n === x.mac) delete r.n;
    } else {
      const i = r.m.indexOf(x.mac);
      if (i >= 0) r.m.splice(i, 1);
      if (d > 0) r.m.push(x.mac);
    }
    if (r.n === undefined && r.m.length === 0) this.rmacs.delete(k);
    else this.rmacs.set(k, r);
    const after = r.n ?? r.m.at(-1);
    if (after === before) return;
    // The first value before this drain is what the FIB last saw: a value that comes back is no change.
    if (!this.rmacDirty.has(k)) this.rmacDirty.set(k, before);
    else if (this.rmacDirty.get(k) === after) this.rmacDirty.delete(k);
  }

  rmac(vni: number, vtep: string): string | undefined {
    const r = this.rmacs.get(`${vni}/${vtep}`);
    return r?.n ?? r?.m.at(-1);
  }

  /** Router MACs changed since the last call (each (vni, vtep) once, with its current MAC). */
  drainRmacChanges(): RmacChange[] {
    if (this.rmacDirty.size === 0) return [];
    const out: RmacChange[] = [];
    for (const k of this.rmacDirty.keys()) {
      const i = k.indexOf('/');
      const vni = Number(k.slice(0, i));
      const vtep = k.slice(i + 1);
      out.push({ vni, vtep, mac: this.rmac(vni, vtep) });
    }
    this.rmacDirty.clear();
    return out;
  }

  /** Every known router MAC (for `show rmacs`). */
  routerMacs(): { vni: number; vtep: string; mac: string; from: 'neighbor' | 'mac' }[] {
    return [...this.rmacs].map(([k, r]) => {
      const i = k.indexOf('/');
      return { vni: Number(k.slice(0, i)), vtep: k.slice(i + 1), mac: (r.n ?? r.m.at(-1))!, from: r.n !== undefined ? 'neighbor' : 'mac' };
    });
  }

  private vni(ifname: string): number {
    return this.vnis.vniOf(ifname) ?? 0;
  }

  mac(op: 'MAC_INSTALL' | 'MAC_DELETE', b: MacBody, epoch = 0): void {
    const k = `${b.ifname}/${b.mac}`;
    if (op === 'MAC_DELETE') {
      this.drop(this.macs, k);
      this.epochs.delete(`m/${k}`);
      return;
    }
    this.put(this.macs, k, { vni: this.vni(b.ifname), mac: b.mac, vtep: b.vtep, ifname: b.ifname, sticky: b.sticky });
    this.epochs.set(`m/${k}`, epoch);
  }

  neigh(op: 'NEIGH_INSTALL' | 'NEIGH_UPDATE' | 'NEIGH_DELETE', b: NeighBody, epoch = 0): void {
    const ip = unmapV4(b.ip);
    const k = `${b.ifname}/${ip}`;
    if (op === 'NEIGH_DELETE') {
      this.drop(this.neighs, k);
      this.epochs.delete(`n/${k}`);
      return;
    }
    this.put(this.neighs, k, { vni: this.vni(b.ifname), ip, mac: b.mac, ifname: b.ifname, routerMac: false });
    this.epochs.set(`n/${k}`, epoch);
  }

  vtep(op: 'VTEP_ADD' | 'VTEP_DELETE', b: VtepBody, epoch = 0): void {
    const vtep = unmapV4(b.vtep);
    const k = `${b.ifname}/${vtep}`;
    if (op === 'VTEP_DELETE') {
      this.drop(this.vteps, k);
      this.epochs.delete(`v/${k}`);
    } else {
      this.put(this.vteps, k, { vni: this.vni(b.ifname), vtep, ifname: b.ifname });
      this.epochs.set(`v/${k}`, epoch);
    }
    this.reindexVteps();
  }

  private reindexVteps(): void {
    this.vtepIps.clear();
    for (const v of this.vteps.values()) this.vtepIps.add(v.vtep);
  }

  /** Entries last announced before `epoch`. */
  staleCount(epoch: number): number {
    let n = 0;
    for (const e of this.epochs.values()) if (e < epoch) n++;
    return n;
  }

  /** Removes entries last announced before `epoch` (the plugin replays all EVPN state in each epoch). */
  sweep(epoch: number): number {
    let n = 0;
    for (const [k, e] of this.epochs) {
      if (e >= epoch) continue;
      const table = k[0] === 'm' ? this.macs : k[0] === 'n' ? this.neighs : this.vteps;
      this.drop(table as Map<string, Entry>, k.slice(2));
      this.epochs.delete(k);
      n++;
    }
    this.reindexVteps();
    return n;
  }

  /** Current entries, VNIs resolved now (the map may have learned a netdev since the op arrived). */
  snapshot(): EvpnSnapshot {
    const macVteps = new Set([...this.macs.values()].map((m) => m.vtep));
    return {
      macs: [...this.macs.values()].map((m) => ({ ...m, vni: this.vnis.vniOf(m.ifname) ?? m.vni })),
      neighbors: [...this.neighs.values()].map((n) => ({
        ...n,
        vni: this.vnis.vniOf(n.ifname) ?? n.vni,
        routerMac: this.vtepIps.has(n.ip) || macVteps.has(n.ip),
      })),
      vteps: [...this.vteps.values()].map((v) => ({ ...v, vni: this.vnis.vniOf(v.ifname) ?? v.vni })),
    };
  }

  /**
   * Entry counts and distinct VNIs as snapshot() would resolve them, from per-netdev counts: O(netdevs), no
   * copy of the model, and no kernel lookup (the VNI map's cache only), so a /metrics scrape stays cheap.
   */
  sizes(): { macs: number; neighbors: number; vteps: number; vnis: number } {
    const vnis = new Set<number>();
    for (const [ifname, stored] of this.byIfname) {
      const now = this.vnis.cached ? this.vnis.cached(ifname) : this.vnis.vniOf(ifname);
      if (now !== undefined) vnis.add(now);
      else for (const v of stored.keys()) vnis.add(v);
    }
    vnis.delete(0);
    return { macs: this.macs.size, neighbors: this.neighs.size, vteps: this.vteps.size, vnis: vnis.size };
  }
}

/** One vxlan netdev as `ip -d -j link` shows it. */
export type VxlanLink = { ifname: string; vni?: number; master?: string };

/**
 * VNI map read from the kernel: `ip -d -j link` gives each vxlan's id and master bridge. vniOf (ops, which
 * need an answer now) reads synchronously on a miss, at most once a second; cached (/metrics, /v1/cpi) never
 * waits: a miss starts an asynchronous read (also at most once a second) that later answers use.
 */
export class KernelVniMap implements VniMap {
  private map = new Map<string, number>();
  private at = 0;
  private reading = false;
  constructor(
    private readonly read: () => VxlanLink[],
    private readonly now: () => number = Date.now,
    private readonly readAsync?: () => Promise<VxlanLink[]>,
  ) {}
  vniOf(ifname: string): number | undefined {
    if (!this.map.has(ifname) && this.now() - this.at >= 1000) this.refresh();
    return this.map.get(ifname);
  }
  cached(ifname: string): number | undefined {
    const v = this.map.get(ifname);
    if (v === undefined && this.readAsync && !this.reading && this.now() - this.at >= 1000) {
      this.reading = true;
      this.at = this.now();
      void this.readAsync()
        .then((links) => this.install(links), () => undefined)
        .finally(() => (this.reading = false));
    }
    return v;
  }
  refresh(): void {
    this.at = this.now();
    this.install(this.read());
  }
  private install(links: VxlanLink[]): void {
    const m = new Map<string, number>();
    for (const l of links) {
      if (l.vni === undefined) continue;
      m.set(l.ifname, l.vni);
      if (l.master) m.set(l.master, l.vni);
    }
    this.map = m;
  }
}

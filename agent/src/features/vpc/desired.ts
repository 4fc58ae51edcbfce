// What the document's overlay (VTEP, VPCs, peerings) asks of the dataplane, as keyed tables (pure, no I/O):
// one dataplane VRF per VPC, the local VTEP, VNI → VRF, and the classify tables of the peerings. The realizer
// diffs two of these.
//
// VRF and peering ids are stable: a VPC (by name) keeps the VRF it was given for as long as it exists, across
// generations, so routes other features put in it and counters keyed by it stay meaningful. New VPCs take the
// lowest free id, preferring ids no VPC held in the previous assignment, so a VPC removed and another added in one
// generation never share an id (a route of the old one cannot land in the new one).
import type { DesiredState, Expose } from '../../config/model.ts';
import { problem, type Problem } from '../../config/problem.ts';
import { exposedDestinations } from '../../config/validate-overlay.ts';
import { parsePrefix } from '../../dataplane/addr.ts';
import type { PeeringRoute, PeeringSource, Vni, Vtep } from './dp-tables.ts';

export interface VpcWant {
  name: string;
  id: string;
  vni: number;
  /** Dataplane VRF (≥ 1). */
  vrf: number;
  /** Canonical subnet prefixes. */
  subnets: string[];
}

export interface PeeringWant {
  name: string;
  /** Dataplane peering id (≥ 1): the counters' and classify tables' key. */
  id: number;
  vpcs: [string, string];
}

export interface VpcTables {
  vpcs: Map<string, VpcWant>;
  peerings: Map<string, PeeringWant>;
  /** By ip. */
  vteps: Map<string, Vtep>;
  /** Local routes in VRF 0 (the VTEP's /32, so UDP 4789 to it reaches decapsulation), by prefix. */
  localRoutes: Set<string>;
  /** By VNI. */
  vnis: Map<number, Vni>;
  /** By routeKey. */
  peeringRoutes: Map<string, PeeringRoute>;
  /** By sourceKey. */
  peeringSources: Map<string, PeeringSource>;
}

/** Ids handed out before: VPC name → VRF, peering name → peering id. */
export interface Assignment {
  vrfs: ReadonlyMap<string, number>;
  peerings: ReadonlyMap<string, number>;
}

export interface VpcLimits {
  /** VRF ids are 1..maxVrfs-1 (0 is the underlay). */
  maxVrfs: number;
  /** VRFs the boot file's ports and routes use: never a VPC's. */
  reservedVrfs: ReadonlySet<number>;
  /** Peering ids are 1..maxPeerings. */
  maxPeerings: number;
  /**
   * NAT modes the dataplane translates (features/nat): an expose in one of them is routed by its `as`; one in
   * another mode (accepted unrealized, labs) is left out, never routed untranslated. Default: none.
   */
  natModes?: ReadonlySet<string>;
}

export const routeKey = (r: Pick<PeeringRoute, 'vrf' | 'prefix'>): string => `${r.vrf} ${r.prefix}`;
export const sourceKey = (s: PeeringSource): string => `${s.vrf} ${s.peering} ${s.prefix}`;

export const emptyAssignment = (): Assignment => ({ vrfs: new Map(), peerings: new Map() });

/** Ids for `names` in order: kept ones first, then the lowest free, fresh ids before ones just given up. */
export function assign(names: string[], prev: ReadonlyMap<string, number>, isFree: (id: number) => boolean, max: number): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  const taken = new Set<number>();
  for (const n of names) {
    const id = prev.get(n);
    if (id !== undefined) {
      out.set(n, id);
      taken.add(id);
    }
  }
  const released = new Set([...prev.values()].filter((id) => !taken.has(id)));
  let fresh = 1;
  const pick = (): number | undefined => {
    for (; fresh <= max; fresh++) if (isFree(fresh) && !taken.has(fresh) && !released.has(fresh)) return fresh;
    return [...released].sort((a, b) => a - b).find((id) => isFree(id) && !taken.has(id));
  };
  for (const n of names) {
    if (out.has(n)) continue;
    const id = pick();
    if (id !== undefined) taken.add(id);
    out.set(n, id);
  }
  return out;
}

const canon = (s: string): string | undefined => parsePrefix(s)?.text;

/** Source prefixes a side offers in a peering: the traffic its VPC may send through it (what it exposes). */
function sources(e: Expose): string[] {
  return e.default ? ['0.0.0.0/0', '::/0'] : e.ips;
}

/** The dataplane's part of the document's overlay, with what only the dataplane can judge (ids left). */
export function desiredVpcTables(doc: DesiredState, prev: Assignment, limits: VpcLimits): { tables: VpcTables; assignment: Assignment; problems: Problem[] } {
  const problems: Problem[] = [];
  const tables: VpcTables = { vpcs: new Map(), peerings: new Map(), vteps: new Map(), localRoutes: new Set(), vnis: new Map(), peeringRoutes: new Map(), peeringSources: new Map() };
  const vtep = doc.gateway.vtep;
  if (vtep) {
    tables.vteps.set(vtep.ip, { ip: vtep.ip, mac: vtep.mac.toLowerCase() });
    tables.localRoutes.add(`${vtep.ip}/32`);
  }

  const vrfs = assign(
    doc.vpcs.map((v) => v.name),
    prev.vrfs,
    (id) => !limits.reservedVrfs.has(id),
    limits.maxVrfs - 1,
  );
  doc.vpcs.forEach((v, i) => {
    const vrf = vrfs.get(v.name);
    if (vrf === undefined) {
      problems.push(problem('REFUSED', `/vpcs/${i}`, `no dataplane VRF left for VPC ${v.name} (maxVrfs ${limits.maxVrfs}, ${limits.reservedVrfs.size} used by the boot file)`));
      return;
    }
    tables.vpcs.set(v.name, { name: v.name, id: v.id, vni: v.vni, vrf, subnets: v.subnets.map((s) => canon(s.cidr) ?? s.cidr) });
    tables.vnis.set(v.vni, { vni: v.vni, vrf });
  });

  const ids = assign(
    doc.peerings.map((p) => p.name),
    prev.peerings,
    () => true,
    limits.maxPeerings,
  );
  doc.peerings.forEach((p, i) => {
    const id = ids.get(p.name);
    const [a, b] = p.sides.map((s) => tables.vpcs.get(s.vpc));
    if (id === undefined) {
      problems.push(problem('REFUSED', `/peerings/${i}`, `no dataplane peering id left for ${p.name} (at most ${limits.maxPeerings} peerings)`));
      return;
    }
    if (!a || !b) return; // an unknown VPC is the validator's problem; one without a VRF is reported above
    tables.peerings.set(p.name, { name: p.name, id, vpcs: [a.name, b.name] });
    p.sides.forEach((side, j) => {
      const self = j === 0 ? a : b;
      const other = j === 0 ? b : a;
      side.expose.forEach((e, k) => {
        const at = `/peerings/${i}/sides/${j}/expose/${k}`;
        // A NAT mode the dataplane does not translate is refused as NOT_SUPPORTED by the config hub unless the
        // boot file accepts it unrealized (labs): then the expose is left out rather than routed untranslated.
        // Rate limits are not enforced here.
        if (e.nat && !limits.natModes?.has(e.nat.mode)) return;
        // Sources are the real `ips` (classify checks them before any translation); destinations are what the
        // other side sees: `as` for a NAT expose, which also admits the replies to a masquerade pool.
        for (const s of sources(e)) {
          const prefix = canon(s);
          if (prefix) tables.peeringSources.set(sourceKey({ vrf: self.vrf, peering: id, prefix }), { vrf: self.vrf, peering: id, prefix });
        }
        // What this side exposes is a destination in the other side's VRF. A stateful pool is one in its own
        // VPC's too: an inside host reaching another's mapping (hairpinning, RFC 4787 section 6) is classified
        // into the peering before napt translates it back into the VPC.
        const hairpin = e.nat?.mode === 'masquerade' || e.nat?.mode === 'portForward';
        for (const s of exposedDestinations(e)?.prefixes ?? []) {
          const prefix = canon(s);
          if (!prefix) continue;
          for (const seer of hairpin ? [other, self] : [other]) {
            const item = { vrf: seer.vrf, prefix, peering: id, dstVrf: self.vrf };
            const clash = tables.peeringRoutes.get(routeKey(item));
            if (clash && clash.peering !== id) problems.push(problem('OVERLAP', at, `${prefix} is already a destination of VPC ${seer.name} through another peering`));
            else tables.peeringRoutes.set(routeKey(item), item);
          }
        }
      });
    });
  });

  const assignment: Assignment = {
    vrfs: new Map([...tables.vpcs.values()].map((v) => [v.name, v.vrf])),
    peerings: new Map([...tables.peerings.values()].map((p) => [p.name, p.id])),
  };
  return { tables, assignment, problems };
}

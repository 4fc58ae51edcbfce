// Semantic rules of the overlay part of the document (VTEP, VPCs, peerings) that look across peerings or at
// what the kernel and FRR derive from it. The per-peering rules (sides, exposes, NAT) stay in validate.ts;
// these add what a single peering cannot see: the destinations one VPC is offered by all its peerings together.
import { parseIp, parsePrefix, type ParsedPrefix } from '../dataplane/addr.ts';
import type { DesiredState, Expose } from './model.ts';
import { problem, type Problem } from './problem.ts';
import { covers, overlaps } from './validate.ts';

/**
 * Longest VPC name: the interface manager and FRR derive per-VPC netdev and VRF names from it, and a Linux
 * netdev name holds 15 characters (IFNAMSIZ - 1); three are left for a prefix such as "vx-" or "br-".
 */
export const VPC_NAME_MAX = 12;
/** FRR's name for the default VRF (the underlay): a VPC of that name would be the underlay itself. */
const RESERVED_VPC_NAMES = new Set(['default']);
/** VXLAN Network Identifier: 24 bits (RFC 7348 section 5); 0 is not used for a VPC. */
export const VNI_MAX = 0xffffff;

/** The two catch-alls a default expose stands for. */
export const DEFAULT_EXPOSE = ['0.0.0.0/0', '::/0'] as const;

/**
 * What the other side of a peering routes to when this expose is offered: the untranslated `ips`, a NAT
 * expose's `as` (static: both ways; masquerade: the replies to the pool; portForward: the published address),
 * or both catch-alls for a default expose.
 */
export function exposedDestinations(e: Expose): { prefixes: string[]; field: 'default' | 'ips' | 'as' } | undefined {
  if (e.default) return { prefixes: [...DEFAULT_EXPOSE], field: 'default' };
  if (!e.nat) return { prefixes: e.ips, field: 'ips' };
  return { prefixes: e.as ?? [], field: 'as' };
}

interface Offered {
  p: ParsedPrefix;
  path: string;
  peering: number;
  isDefault: boolean;
}

export function overlayProblems(doc: DesiredState, own: ReadonlyMap<string, string>, vpcNets: ReadonlyMap<string, ParsedPrefix[]>): Problem[] {
  const out: Problem[] = [];
  const add = (code: Problem['code'], path: string, detail: string): void => {
    out.push(problem(code, path, detail));
  };
  const vtep = doc.gateway.vtep;
  if (vtep) {
    const ip = parseIp(vtep.ip);
    if (ip && ip.family !== 4) add('INVALID_VALUE', '/gateway/vtep/ip', 'the VTEP is an IPv4 address (the outer header of VXLAN here is IPv4)');
    if (ip && ip.family === 4) {
      const special = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'].find((s) => covers(parsePrefix(s)!, parsePrefix(`${ip.text}/32`)!));
      if (special) add('INVALID_VALUE', '/gateway/vtep/ip', `${vtep.ip} is inside special-use ${special}`);
      // The router-id loopback is a usual VTEP address; a port address is not: decapsulation answers on the VTEP
      // address alone, and the port's address must keep reaching the gateway's own stack (BGP, ICMP).
      const where = own.get(ip.text);
      if (where && where !== '/gateway/routerId') add('INVALID_VALUE', '/gateway/vtep/ip', `${vtep.ip} is already the gateway's address at ${where}`);
    }
    const first = parseInt(vtep.mac.slice(0, 2), 16);
    if (first & 1) add('INVALID_VALUE', '/gateway/vtep/mac', `${vtep.mac} is a multicast MAC (the router MAC is a unicast inner destination)`);
    else if (/^(00:){5}00$/.test(vtep.mac)) add('INVALID_VALUE', '/gateway/vtep/mac', 'the router MAC cannot be all zeros');
  }

  doc.vpcs.forEach((v, i) => {
    if (v.name.length > VPC_NAME_MAX) add('INVALID_VALUE', `/vpcs/${i}/name`, `VPC names are at most ${VPC_NAME_MAX} characters (per-VPC netdev names derive from them)`);
    if (RESERVED_VPC_NAMES.has(v.name.toLowerCase())) add('INVALID_VALUE', `/vpcs/${i}/name`, `"${v.name}" is FRR's name of the underlay VRF`);
    if (!Number.isInteger(v.vni) || v.vni < 1 || v.vni > VNI_MAX) add('INVALID_VALUE', `/vpcs/${i}/vni`, `a VNI is 1..${VNI_MAX} (24 bits, RFC 7348 section 5)`);
  });

  // Every destination each VPC is offered, over all its peerings: the dataplane picks the destination VPC by
  // longest match on these, so two peerings may not offer overlapping prefixes (which VPC would it be?). A
  // default expose is the catch-all under them, so it conflicts only with another catch-all.
  const offered = new Map<string, Offered[]>();
  doc.peerings.forEach((peering, i) => {
    peering.sides.forEach((side, j) => {
      const to = peering.sides[1 - j]!.vpc;
      if (to === side.vpc) return;
      side.expose.forEach((e, k) => {
        const d = exposedDestinations(e);
        if (!d) return;
        // A stateful pool is offered to its own VPC too (hairpinning: features/vpc routes it there and FRR
        // originates it there), so it may not sit inside that VPC's subnets either.
        const hairpin = e.nat?.mode === 'masquerade' || e.nat?.mode === 'portForward';
        d.prefixes.forEach((s, n) => {
          const p = parsePrefix(s);
          const at = `/peerings/${i}/sides/${j}/expose/${k}`;
          if (!p) return;
          for (const vpc of hairpin ? [to, side.vpc] : [to]) {
            offered.set(vpc, [...(offered.get(vpc) ?? []), { p, path: d.field === 'default' ? `${at}/default` : `${at}/${d.field}/${n}`, peering: i, isDefault: d.field === 'default' }]);
          }
        });
      });
    });
  });
  for (const [vpc, list] of offered) {
    for (let a = 0; a < list.length; a++) {
      const x = list[a]!;
      for (let b = 0; b < a; b++) {
        const y = list[b]!;
        if (x.peering === y.peering) continue; // validate.ts checks within a peering
        const same = x.p.text === y.p.text;
        if (x.isDefault && y.isDefault && same) add('DUPLICATE', x.path, `VPC ${vpc} already has a default expose towards it at ${y.path}`);
        else if (same || (!x.isDefault && !y.isDefault && overlaps(x.p, y.p))) {
          add('OVERLAP', x.path, `${x.p.text} is offered to VPC ${vpc} by two peerings (also ${y.p.text} at ${y.path}): the destination VPC would be ambiguous`);
        }
      }
      // A destination inside the VPC's own address space never reaches the gateway: the VPC routes it itself.
      const mine = x.isDefault ? undefined : vpcNets.get(vpc)?.find((n) => overlaps(n, x.p));
      if (mine) add('OVERLAP', x.path, `${x.p.text} overlaps ${mine.text}, a subnet of VPC ${vpc} it is offered to`);
    }
  }
  return out;
}

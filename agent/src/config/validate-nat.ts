// The NAT rules of the document (issue 13), per expose and across the whole document. Every problem is reported
// at the field to change. The rules and why: docs/nat.md#validation.
import { parsePrefix, type ParsedPrefix } from '../dataplane/addr.ts';
import type { DesiredState, Expose } from './model.ts';
import { problem, type Problem } from './problem.ts';
import { overlaps } from './validate.ts';

/** Ports a masquerade pool address hands out per protocol: the well-known ports 0..1023 are never allocated. */
export const MASQUERADE_PORTS_PER_ADDRESS = 65536 - 1024;
/**
 * Concurrent sessions per protocol an inside IPv4 address must be able to hold even when every inside address is
 * busy (RFC 4787 "paired" pooling keeps a host on one pool address, so its sessions share that address's ports).
 */
export const MASQUERADE_MIN_PORTS_PER_HOST = 16;

/** Inside IPv4 addresses one masquerade pool address serves: 4032. */
export const MASQUERADE_HOSTS_PER_ADDRESS = MASQUERADE_PORTS_PER_ADDRESS / MASQUERADE_MIN_PORTS_PER_HOST;

function size(p: ParsedPrefix): bigint {
  return 1n << BigInt((p.family === 4 ? 32 : 128) - p.len);
}

const hostLen = (p: ParsedPrefix): number => (p.family === 4 ? 32 : 128);

/**
 * The per-expose NAT rules, for an expose whose prefixes parsed (`ips`/`as` entries undefined where they did
 * not: those are reported already). `at` is the expose's path.
 */
export function natExposeProblems(e: Expose, at: string, ips: (ParsedPrefix | undefined)[], as: (ParsedPrefix | undefined)[]): Problem[] {
  const out: Problem[] = [];
  const add = (code: Problem['code'], path: string, detail: string): void => void out.push(problem(code, path, detail));
  const nat = e.nat;
  if (!nat) {
    if (e.as !== undefined) add('NAT_INCOMPATIBLE', `${at}/as`, 'translated prefixes ("as") need a nat mode');
    return out;
  }
  // What is translated is what the expose exposes: a default expose has no prefixes of its own.
  if (e.default) {
    add('NAT_INCOMPATIBLE', `${at}/nat`, 'a default expose exposes no prefixes of this VPC: there is nothing to translate');
    return out;
  }
  if (e.ips.length === 0) add('MISSING', `${at}/ips`, `nat ${nat.mode} translates the exposed prefixes: list them in ips`);
  if (e.as === undefined || e.as.length === 0) {
    add('NAT_INCOMPATIBLE', `${at}/as`, `nat ${nat.mode} needs translated prefixes ("as")`);
    return out;
  }
  const fam = (ps: (ParsedPrefix | undefined)[]): Set<number> => new Set(ps.filter((p) => p).map((p) => p!.family));
  const ipFam = fam(ips);
  const asFam = fam(as);
  const crossFamily = ipFam.size === 1 && asFam.size === 1 && [...ipFam][0] !== [...asFam][0];
  if (nat.mode === 'nat64') {
    if (!crossFamily) add('NAT_INCOMPATIBLE', `${at}/nat`, 'nat64 translates between families: ips and as must be IPv6 and IPv4 (or the reverse)');
    return out;
  }
  if (crossFamily) add('NAT_INCOMPATIBLE', `${at}/as`, `nat ${nat.mode} cannot translate between IPv4 and IPv6 (use nat64)`);

  if (nat.mode === 'static') {
    // Bijective prefix to prefix, pair by pair: ips[i] <-> as[i] with host bits kept, so each pair has the same
    // family and length (RFC 6296 section 3 maps prefixes of equal length for NPTv6).
    if (e.as.length !== e.ips.length) {
      add('NAT_INCOMPATIBLE', `${at}/as`, `static NAT maps prefix to prefix: ips lists ${e.ips.length}, as lists ${e.as.length}`);
    }
    as.forEach((a, i) => {
      const p = ips[i];
      if (!a || !p) return;
      if (a.family !== p.family) add('NAT_INCOMPATIBLE', `${at}/as/${i}`, `${a.text} and ${p.text} (ips/${i}) are of different families`);
      else if (a.len !== p.len) {
        add('NAT_INCOMPATIBLE', `${at}/as/${i}`, `static NAT maps address for address: ${a.text} holds ${size(a)} addresses, ${p.text} (ips/${i}) holds ${size(p)}`);
      }
    });
  }

  if (nat.mode === 'masquerade') {
    // RFC 4787 REQ-2 ("paired" pooling) keeps an inside host on one pool address: the pool must give every
    // inside host a usable share of ports. IPv6 inside prefixes are sparse (a /64 is one LAN), so NAT66 pools
    // are only required to be non-empty.
    const pool4 = as.filter((p) => p?.family === 4).reduce((n, p) => n + size(p!), 0n);
    const inside4 = ips.filter((p) => p?.family === 4).reduce((n, p) => n + size(p!), 0n);
    const need = (inside4 + BigInt(MASQUERADE_HOSTS_PER_ADDRESS) - 1n) / BigInt(MASQUERADE_HOSTS_PER_ADDRESS);
    if (inside4 > 0n && pool4 < need) {
      add(
        'NAT_INCOMPATIBLE',
        `${at}/as`,
        `a masquerade pool of ${pool4} address(es) is too small for ${inside4} inside addresses: each pool address serves ${MASQUERADE_HOSTS_PER_ADDRESS} (${MASQUERADE_MIN_PORTS_PER_HOST} of its ${MASQUERADE_PORTS_PER_ADDRESS} ports each); give at least ${need}`,
      );
    }
  }

  if (nat.mode === 'portForward') {
    // One published address to one service address: the forward is (proto, as address, as port) -> (ips address, port).
    if (e.ips.length !== 1 || e.as.length !== 1) add('NAT_INCOMPATIBLE', `${at}/nat`, 'portForward needs exactly one prefix in ips and in as');
    ips.forEach((p, i) => {
      if (p && p.len !== hostLen(p)) add('NAT_INCOMPATIBLE', `${at}/ips/${i}`, `portForward publishes one service address: ${p.text} is not a /${hostLen(p)}`);
    });
    as.forEach((p, i) => {
      if (p && p.len !== hostLen(p)) add('NAT_INCOMPATIBLE', `${at}/as/${i}`, `portForward publishes on one address: ${p.text} is not a /${hostLen(p)}`);
    });
    const seen = new Map<string, number>();
    nat.ports.forEach((pf, i) => {
      if (pf.port === 0) add('INVALID_VALUE', `${at}/nat/ports/${i}/port`, 'port 0 cannot be forwarded');
      if (pf.as === 0) add('INVALID_VALUE', `${at}/nat/ports/${i}/as`, 'port 0 cannot be forwarded');
      const k = `${pf.proto} ${pf.as}`;
      const first = seen.get(k);
      if (first !== undefined) add('DUPLICATE', `${at}/nat/ports/${i}/as`, `${pf.proto} port ${pf.as} of ${e.as?.[0] ?? "the as address"} is already forwarded at ${at}/nat/ports/${first}`);
      else seen.set(k, i);
    });
  }
  return out;
}

/**
 * Across the document: the translated prefixes of all NAT exposes (every peering, every VPC) are pairwise
 * disjoint. A pool address belongs to one expose, so a reply or a forwarded connection to it names exactly one
 * translation; and two VPCs sharing a pool would have their sessions collide on the same (address, port).
 */
export function natPoolProblems(doc: DesiredState): Problem[] {
  const out: Problem[] = [];
  const seen: { p: ParsedPrefix; path: string; expose: string }[] = [];
  doc.peerings.forEach((peering, i) =>
    peering.sides.forEach((side, j) =>
      side.expose.forEach((e, k) => {
        if (!e.nat || e.default) return;
        const expose = `/peerings/${i}/sides/${j}/expose/${k}`;
        (e.as ?? []).forEach((s, n) => {
          const p = parsePrefix(s);
          if (!p) return;
          const path = `${expose}/as/${n}`;
          const clash = seen.find((x) => x.expose !== expose && overlaps(x.p, p));
          if (clash) out.push(problem('OVERLAP', path, `translated prefix ${p.text} overlaps ${clash.p.text} at ${clash.path}: a NAT address belongs to one expose`));
          seen.push({ p, path, expose });
        });
      }),
    ),
  );
  return out;
}

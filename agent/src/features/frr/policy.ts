// The document's BGP policy → FRR text: prefix-lists, community-lists and route-maps per policy, and each
// neighbor's effective settings (its own, else its group's, else the defaults of frr/templates/policy-defaults.conf
// and DEFAULT_MAXIMUM_PREFIX). Pure, like render.ts.
import type { BgpNeighbor, DesiredState, MaximumPrefix, PolicyRule, RoutePolicy, SessionSettings } from '../../config/model.ts';
import { parsePrefix } from '../../dataplane/addr.ts';
import { template } from './templates.ts';

export const DEFAULT_IMPORT = 'GW-IMPORT-DEFAULT';
export const DEFAULT_EXPORT = 'GW-EXPORT-DEFAULT';
/** Route-maps for the l2vpn evpn family (RFC 8212 applies there too): whoever activates it applies these. */
export const EVPN_ROUTE_MAPS = { in: 'GW-EVPN-IN', out: 'GW-EVPN-OUT' } as const;

/** Guard against a leaf that floods the gateway (a leak, a misconfigured redistribute). */
export const DEFAULT_MAXIMUM_PREFIX: Required<MaximumPrefix> = { limit: 10000, warningPercent: 75, restartMinutes: 5 };
/** FRR's default warning threshold: `show running-config` omits it, so it is never rendered. */
const FRR_MAXPFX_THRESHOLD = 75;

export function routeMapName(policy: string): string {
  return `POL-${policy}`;
}

/** What applies to one neighbor after its group and the defaults are taken into account. */
export interface EffectiveSession {
  import: string;
  export: string;
  maximumPrefix: Required<MaximumPrefix>;
  passwordFile?: string;
  ttlSecurityHops?: number;
  bfdProfile?: string;
}

export function effectiveSession(n: BgpNeighbor, spec: DesiredState): EffectiveSession {
  const g: SessionSettings = spec.gateway.neighborGroups?.find((x) => x.name === n.group) ?? {};
  const pick = <K extends keyof SessionSettings>(k: K): SessionSettings[K] => n[k] ?? g[k];
  const imp = pick('import');
  const exp = pick('export');
  const mp = pick('maximumPrefix');
  const out: EffectiveSession = {
    import: imp !== undefined ? routeMapName(imp) : DEFAULT_IMPORT,
    export: exp !== undefined ? routeMapName(exp) : DEFAULT_EXPORT,
    maximumPrefix: mp ? { ...DEFAULT_MAXIMUM_PREFIX, ...mp } : DEFAULT_MAXIMUM_PREFIX,
  };
  const pw = pick('passwordFile');
  const ttl = pick('ttlSecurityHops');
  const bfd = pick('bfdProfile');
  if (pw !== undefined) out.passwordFile = pw;
  if (ttl !== undefined) out.ttlSecurityHops = ttl;
  if (bfd !== undefined) out.bfdProfile = bfd;
  return out;
}

/** `neighbor X maximum-prefix ...` in the canonical form `show running-config` prints. */
export function maximumPrefixLine(ip: string, m: Required<MaximumPrefix>): string {
  const threshold = m.warningPercent !== FRR_MAXPFX_THRESHOLD ? ` ${m.warningPercent}` : '';
  const restart = m.restartMinutes > 0 ? ` restart ${m.restartMinutes}` : '';
  return `neighbor ${ip} maximum-prefix ${m.limit}${threshold}${restart}`;
}

/** Top-level policy text: the defaults, then each policy of the document. */
export function renderPolicies(spec: DesiredState): string[] {
  const out = template('policy-defaults', {});
  for (const p of spec.gateway.policies ?? []) out.push(...renderPolicy(p));
  return out;
}

function renderPolicy(p: RoutePolicy): string[] {
  const lists: string[] = [];
  const maps: string[] = [];
  const name = routeMapName(p.name);
  p.rules.forEach((r, i) => {
    const seq = 10 * (i + 1);
    const matches = ruleMatches(r, `${name}-${seq}`, lists);
    // One route-map entry per address family the rule names prefixes of: `match ip address` never matches an
    // IPv6 route, so a rule with prefixes of both families is two entries.
    matches.forEach((m, k) => {
      maps.push(`route-map ${name} ${r.action} ${seq + k}`);
      for (const l of m) maps.push(` ${l}`);
      if (r.action === 'permit') for (const l of setLines(r)) maps.push(` ${l}`);
      maps.push('exit');
    });
  });
  // A policy without rules refuses everything: said explicitly, so the intent does not hang on how FRR treats a
  // reference to a route-map that does not exist.
  if (p.rules.length === 0) maps.push(`route-map ${name} deny 10`, 'exit');
  return [...lists, ...maps, '!'];
}

function ruleMatches(r: PolicyRule, list: string, lists: string[]): string[][] {
  const common: string[] = [];
  if (r.match?.origin === 'gateway') common.push('match as-path GW-ORIGINATED');
  const comms = r.match?.communities ?? [];
  if (comms.length > 0) {
    // One line per community: a standard list's line with several communities needs all of them.
    comms.forEach((c, k) => lists.push(`bgp community-list standard ${list} seq ${5 * (k + 1)} permit ${c}`));
    common.push(`match community ${list}`);
  }
  const prefixes = r.match?.prefixes ?? [];
  if (prefixes.length === 0) return [common];
  const out: string[][] = [];
  for (const fam of [4, 6] as const) {
    const mine = prefixes.filter((m) => parsePrefix(m.prefix)?.family === fam);
    if (mine.length === 0) continue;
    const pl = `${list}-${fam}`;
    mine.forEach((m, k) => {
      const ge = m.ge !== undefined ? ` ge ${m.ge}` : '';
      const le = m.le !== undefined ? ` le ${m.le}` : '';
      lists.push(`${fam === 4 ? 'ip' : 'ipv6'} prefix-list ${pl} seq ${5 * (k + 1)} permit ${parsePrefix(m.prefix)!.text}${ge}${le}`);
    });
    out.push([`match ${fam === 4 ? 'ip' : 'ipv6'} address prefix-list ${pl}`, ...common]);
  }
  return out;
}

function setLines(r: PolicyRule): string[] {
  const s = r.set;
  if (!s) return [];
  const out: string[] = [];
  if (s.localPreference !== undefined) out.push(`set local-preference ${s.localPreference}`);
  if (s.med !== undefined) out.push(`set metric ${s.med}`);
  if (s.communities && s.communities.length > 0) out.push(`set community ${s.communities.join(' ')} additive`);
  return out;
}

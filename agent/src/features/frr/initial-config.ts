// The desired-state file a gateway applies at start when no config store runs in the process (labs, tests).
// Only the fields the FRR and interface components read are checked here; the config service does the full
// validation when it is the source.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse } from 'yaml';
import { emptyState, type DesiredState } from '../../config/model.ts';

export class InitialConfigError extends Error {
  readonly code = 'FRR_INITIAL_CONFIG_INVALID';
  constructor(file: string, path: string, msg: string) {
    super(`${file}: ${path}: ${msg}`);
  }
}

export function loadInitialConfig(file: string): DesiredState {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InitialConfigError(file, '/', (e as Error).message);
  }
  const bad = (p: string, m: string): never => {
    throw new InitialConfigError(file, p, m);
  };
  if (typeof doc !== 'object' || doc === null) bad('/', 'must be a mapping');
  const d = { ...emptyState(), ...(doc as Partial<DesiredState>) };
  const g = d.gateway;
  if (typeof g !== 'object' || g === null) bad('/gateway', 'must be a mapping');
  if (!Number.isInteger(g.asn) || g.asn < 1 || g.asn > 4294967295) bad('/gateway/asn', 'must be an ASN');
  if (isIP(String(g.routerId)) !== 4) bad('/gateway/routerId', 'must be an IPv4 address');
  if (typeof g.name !== 'string' || !/^[A-Za-z0-9_.-]{1,63}$/.test(g.name)) bad('/gateway/name', 'must be a name');
  g.ports ??= [];
  g.neighbors ??= [];
  g.bfdProfiles ??= [];
  const profiles = new Set<string>();
  g.bfdProfiles.forEach((p, i) => {
    if (typeof p.name !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(p.name)) bad(`/gateway/bfdProfiles/${i}/name`, 'must be a name');
    for (const k of ['detectMultiplier', 'receiveIntervalMs', 'transmitIntervalMs'] as const) {
      if (!Number.isInteger(p[k]) || p[k] < 1) bad(`/gateway/bfdProfiles/${i}/${k}`, 'must be a positive integer');
    }
    profiles.add(p.name);
  });
  g.neighbors.forEach((n, i) => {
    if (n.ip === undefined ? n.port === undefined : isIP(String(n.ip)) === 0) bad(`/gateway/neighbors/${i}/ip`, 'must be an IP address (or absent with a port: unnumbered)');
    if (n.asn !== 'external' && (!Number.isInteger(n.asn) || n.asn < 1)) bad(`/gateway/neighbors/${i}/asn`, 'must be an ASN or "external"');
    if (n.bfdProfile !== undefined && !profiles.has(n.bfdProfile)) bad(`/gateway/neighbors/${i}/bfdProfile`, `no profile ${n.bfdProfile}`);
    if (n.port !== undefined && !/^[A-Za-z0-9_.-]{1,15}$/.test(n.port)) bad(`/gateway/neighbors/${i}/port`, 'must be an interface name');
  });
  return d;
}

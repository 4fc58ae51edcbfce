// Boot configuration: what the daemon needs before it can serve the API (paths, EAL resources, sockets).
// Read once at start from a YAML file; everything an operator changes at run time lives in the desired-state
// document (config store) instead. Parsed at the edge into BootConfig; the core never sees raw YAML.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface BootConfig {
  /** Gateway instance name: FRR `-N` name and run-dir suffix. No '.' or '/'. */
  instance: string;
  /** Directory for sockets and pid files. */
  runDir: string;
  /** Directory for durable state (embedded config store, audit log). */
  stateDir: string;
  /** Sections owned by components; each component validates its own section. */
  sections: Record<string, unknown>;
}

export class BootConfigError extends Error {
  readonly code = 'BOOT_CONFIG_INVALID';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

const NAME_RE = /^[A-Za-z0-9_-]{1,32}$/;

export function parseBootConfig(text: string, source = 'boot config'): BootConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new BootConfigError(source, `not valid YAML: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new BootConfigError(source, 'must be a mapping');
  }
  const o = doc as Record<string, unknown>;
  const instance = o.instance ?? 'gw';
  if (typeof instance !== 'string' || !NAME_RE.test(instance)) {
    throw new BootConfigError(`${source}.instance`, 'must match [A-Za-z0-9_-]{1,32}');
  }
  const str = (k: string, d: string): string => {
    const v = o[k] ?? d;
    if (typeof v !== 'string' || v === '') throw new BootConfigError(`${source}.${k}`, 'must be a non-empty string');
    return v;
  };
  const sections: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!['instance', 'runDir', 'stateDir'].includes(k)) sections[k] = v;
  }
  return {
    instance,
    runDir: str('runDir', `/run/vpc-gateway/${instance}`),
    stateDir: str('stateDir', `/var/lib/vpc-gateway/${instance}`),
    sections,
  };
}

export function loadBootConfig(file: string): BootConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BootConfigError(file, `cannot read: ${(e as Error).message}`);
  }
  return parseBootConfig(text, file);
}

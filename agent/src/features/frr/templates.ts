// The fixed text of the gateway's frr.conf lives in the repository's top-level frr/ folder (templates/*.conf,
// defaults.json), so an operator finds what FRR is told in one place; this module only loads and fills it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FRR_DIR = new URL('../../../../frr/', import.meta.url);

export const FRR_TEMPLATE_DIR = fileURLToPath(new URL('templates/', FRR_DIR));

/** FRR's own defaults the renderer relies on (never rendered: `show running-config` omits them) and ours. */
export interface FrrDefaults {
  daemons: ('bgpd' | 'bfdd' | 'staticd')[];
  maximumPaths: number;
  bfd: { detectMultiplier: number; intervalMs: number };
  staticDistance: number;
}

export const FRR_DEFAULTS: FrrDefaults = JSON.parse(readFileSync(new URL('defaults.json', FRR_DIR), 'utf8')) as FrrDefaults;

const cache = new Map<string, string[]>();

/** A template's lines without its '#' notes, `{name}` filled from `vars`; a name without a value is a bug. */
export function template(name: string, vars: Readonly<Record<string, string | number>>): string[] {
  let lines = cache.get(name);
  if (!lines) {
    lines = readFileSync(new URL(`templates/${name}.conf`, FRR_DIR), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    cache.set(name, lines);
  }
  return lines.map((l) =>
    l.replace(/\{(\w+)\}/g, (_m, k: string) => {
      const v = vars[k];
      if (v === undefined) throw new Error(`frr/templates/${name}.conf: no value for {${k}}`);
      return String(v);
    }),
  );
}

// Structural diff between two documents as JSON-pointer operations: what dry-run returns, what the audit log
// records and what `gwctl diff` prints. Arrays compare by index: the document's lists are ordered by the operator.
export interface DiffEntry {
  op: 'add' | 'remove' | 'replace';
  path: string;
  from?: unknown;
  to?: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const esc = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

export function diff(from: unknown, to: unknown, path = ''): DiffEntry[] {
  if (Array.isArray(from) && Array.isArray(to)) {
    const out: DiffEntry[] = [];
    const n = Math.max(from.length, to.length);
    for (let i = 0; i < n; i++) {
      if (i >= to.length) out.push({ op: 'remove', path: `${path}/${i}`, from: from[i] });
      else if (i >= from.length) out.push({ op: 'add', path: `${path}/${i}`, to: to[i] });
      else out.push(...diff(from[i], to[i], `${path}/${i}`));
    }
    return out;
  }
  if (isObj(from) && isObj(to)) {
    const out: DiffEntry[] = [];
    for (const k of new Set([...Object.keys(from), ...Object.keys(to)])) {
      const p = `${path}/${esc(k)}`;
      if (!(k in to) || to[k] === undefined) {
        if (from[k] !== undefined) out.push({ op: 'remove', path: p, from: from[k] });
      } else if (!(k in from) || from[k] === undefined) out.push({ op: 'add', path: p, to: to[k] });
      else out.push(...diff(from[k], to[k], p));
    }
    return out;
  }
  return Object.is(from, to) ? [] : [{ op: 'replace', path: path || '/', from, to }];
}

// Integer path and query parameters in canonical decimal only. The validator coerces with Number(), which read
// `history/0x1`, `/1.0` and `/%201` as generation 1: an alias of a resource is a second name for it that
// caches, logs and audits do not recognise. Checked on the raw text before the validator sees it.
import type { Request } from 'express';
import type { Operation } from './operations.ts';
import { ApiProblem } from './problem.ts';

// No sign, no leading zeros, no spaces; 15 digits stay below 2^53.
const CANONICAL = /^(0|[1-9][0-9]{0,14})$/;

function check(where: 'path' | 'query', name: string, raw: unknown, min: number, max: number): void {
  // Query values are not echoed: a client may have put a secret in the URL.
  const shown = where === 'path' && typeof raw === 'string' ? ` (got ${JSON.stringify(raw.slice(0, 40))})` : '';
  const bad = (why: string): ApiProblem => new ApiProblem(400, 'BAD_PARAMETER', `${where} parameter ${name} must be ${why}${shown}`, { path: `/${where}/${name}` });
  if (typeof raw !== 'string') throw bad('given once');
  // The range is the validator's (400 SCHEMA); only the spelling is checked here.
  if (!CANONICAL.test(raw)) throw bad(`a decimal integer in ${min}..${max} without sign, leading zeros or spaces`);
}

export function checkIntegerParams(req: Request, op: Operation, rawPath: Record<string, string>): void {
  for (const p of op.integers) {
    if (p.in === 'query') {
      const v: unknown = req.query[p.name];
      if (v !== undefined) check('query', p.name, v, p.min, p.max);
      continue;
    }
    let v: string;
    try {
      v = decodeURIComponent(rawPath[p.name] ?? '');
    } catch {
      throw new ApiProblem(400, 'BAD_PARAMETER', `path parameter ${p.name} is not valid percent-encoding`, { path: `/path/${p.name}` });
    }
    check('path', p.name, v, p.min, p.max);
  }
}

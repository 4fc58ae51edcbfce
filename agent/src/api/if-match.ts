// If-Match (RFC 9110 §13.1.1) against the ETags this API issues: `"<generation>"`, strong, canonical decimal.
// The field is `*` or a list of entity tags; a weak tag never matches (If-Match uses the strong comparison,
// §8.8.3.2), nor does a strong tag of another spelling (`"01"` is not `"1"`). `*` is refused: it would make a
// write unconditional and lose concurrent updates, which is what the header is for.
import type { Request } from 'express';
import { ApiProblem } from './problem.ts';

const PATH = '/header/If-Match';
// entity-tag = [ W/ ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text (§8.8.3)
const TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/;
const GENERATION = /^(0|[1-9][0-9]{0,14})$/;

export type IfMatch = { kind: 'absent' } | { kind: 'generations'; generations: number[] } | { kind: 'none-can-match'; detail: string };

function malformed(h: string, why: string): ApiProblem {
  return new ApiProblem(400, 'BAD_IF_MATCH', `If-Match ${JSON.stringify(h.slice(0, 80))} ${why}; send the ETag as issued, like "7"`, { path: PATH });
}

export function parseIfMatch(req: Request): IfMatch {
  const h = req.get('if-match');
  if (h === undefined) return { kind: 'absent' };
  const s = h.trim();
  if (s === '*') throw malformed(h, 'is refused: a write must name the generation it edits');
  const generations: number[] = [];
  let weak = 0;
  let foreign = 0;
  let rest = s;
  // #entity-tag: comma-separated, empty elements allowed (RFC 9110 §5.6.1).
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest === '') break;
    const m = TAG.exec(rest);
    if (!m) throw malformed(h, 'is not a list of entity tags');
    rest = rest.slice(m[0].length);
    if (rest !== '' && !/^\s*,/.test(rest)) throw malformed(h, 'is not a list of entity tags');
    if (m[1]) weak++;
    else if (GENERATION.test(m[2]!)) generations.push(Number(m[2]));
    else foreign++;
  }
  if (generations.length + weak + foreign === 0) throw malformed(h, 'holds no entity tag');
  if (generations.length > 0) return { kind: 'generations', generations };
  const detail = weak
    ? `If-Match ${JSON.stringify(h.slice(0, 80))} holds only weak entity tags, which never match (strong comparison, RFC 9110 §13.1.1): send the ETag as issued, like "7"`
    : `If-Match ${JSON.stringify(h.slice(0, 80))} names no ETag this API issues (they are "<generation>" in decimal)`;
  return { kind: 'none-can-match', detail };
}

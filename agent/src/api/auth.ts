// Who is asking and may they: decided before a byte of the body is read. The unix socket's file mode already
// decided who may connect (every scope); TCP needs a bearer token whose scope covers the operation, or, where
// the boot file enables anonymousReads, an operation the spec marks anonymous (status-like reads only).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { Operation, Scope } from './operations.ts';
import { ApiProblem } from './problem.ts';

export interface ApiToken {
  name: string;
  token: string;
  /** write includes read. */
  scope: Scope;
}

// Hash both sides to a fixed length so timingSafeEqual neither throws on length nor leaks it.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Query parameters clients use for tokens (RFC 6750 §2.3): refused, never logged or echoed. */
const TOKEN_QUERY = /^(access_token|token|bearer|api_key|apikey)$/i;

export interface Caller {
  who: string;
  scope: Scope | 'none';
}

function bearer(tokens: readonly ApiToken[], h: string): Caller {
  const m = /^Bearer +(\S+)$/i.exec(h);
  if (!m) throw new ApiProblem(401, 'UNAUTHORIZED', 'the Authorization header must be "Bearer <token>"');
  const given = digest(m[1]!);
  let found: ApiToken | undefined;
  for (const t of tokens) if (timingSafeEqual(given, digest(t.token)) && !found) found = t;
  if (!found) throw new ApiProblem(401, 'UNAUTHORIZED', 'bearer token not accepted');
  return { who: `token:${found.name}`, scope: found.scope };
}

export function authenticate(
  transport: 'unix' | 'tcp',
  opts: { tokens?: readonly ApiToken[]; anonymousReads?: boolean },
  req: Request,
  op: Operation | undefined,
): Caller {
  for (const k of Object.keys(req.query)) {
    if (TOKEN_QUERY.test(k)) {
      throw new ApiProblem(400, 'TOKEN_IN_QUERY', 'tokens are not accepted in the query string (URLs end up in logs and proxies): send Authorization: Bearer <token>', {
        path: `/query/${k}`,
      });
    }
  }
  if (transport === 'unix') {
    // The header only names the operator for the audit.
    const user = req.get('x-gw-user');
    return { who: `unix:${user && /^[\w.@-]{1,64}$/.test(user) ? user : 'unknown'}`, scope: 'write' };
  }
  const h = req.get('authorization');
  if (h !== undefined) return bearer(opts.tokens ?? [], h);
  if (opts.anonymousReads && op?.anonymous) return { who: 'anonymous', scope: 'none' };
  const hint = opts.anonymousReads ? ' (without one only status, health and metrics reads are served)' : '';
  throw new ApiProblem(401, 'UNAUTHORIZED', `a bearer token is required on TCP (Authorization: Bearer <token>)${hint}`);
}

/**
 * Scope check. An operation the spec does not have (the validator then answers 404/405) still needs write
 * for anything but GET/HEAD, so a path spelled differently can never slip a write past a read token.
 */
export function authorize(caller: Caller, method: string, op: Operation | undefined): void {
  if (caller.scope === 'write') return;
  const needs: Scope = op ? op.scope : method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  if (caller.scope === 'none') {
    if (op?.anonymous) return;
    throw new ApiProblem(401, 'UNAUTHORIZED', 'a bearer token is required on TCP (Authorization: Bearer <token>)');
  }
  if (needs === 'write') {
    throw new ApiProblem(403, 'INSUFFICIENT_SCOPE', `${caller.who} has the read scope; ${method} ${op?.template ?? 'this path'} needs a token with the write scope`);
  }
}

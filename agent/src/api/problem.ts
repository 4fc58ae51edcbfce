// RFC 9457 problem+json: every error the API returns. `code` is stable (scripts match on it), `path` is the
// JSON pointer of the first offending field, `problems` lists every one for document validation.
import type { Request, Response } from 'express';
import { ConfigError, type ConfigErrorCode } from '../config/errors.ts';
import type { Problem } from '../config/problem.ts';
import { StoreError } from '../store/store.ts';

/** One offending field; document validation's codes (config/problem.ts) and the API's own. */
export interface ProblemItem {
  code: string;
  path: string;
  detail: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  path?: string;
  problems?: ProblemItem[];
  currentGeneration?: number;
}

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { path?: string; problems?: ProblemItem[]; currentGeneration?: number } = {},
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

const CONFIG_STATUS: Record<ConfigErrorCode, number> = {
  PRECONDITION_REQUIRED: 428,
  STALE_GENERATION: 412,
  INVALID_CONFIG: 422,
  REFUSED: 409,
  NOT_FOUND: 404,
  STORE_UNAVAILABLE: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

interface ValidatorError {
  status: number;
  errors?: { path?: string; message?: string }[];
  message?: string;
}

function isValidatorError(e: unknown): e is ValidatorError {
  return typeof e === 'object' && e !== null && typeof (e as ValidatorError).status === 'number';
}

/** Validator paths look like "/body/vpcs/0/vni"; the document pointer is the part after "/body". */
function docPath(p: string | undefined): string {
  if (!p) return '';
  const s = p.startsWith('.') ? p.slice(1).replace(/\./g, '/').replace(/\[(\d+)\]/g, '/$1') : p;
  const withSlash = s.startsWith('/') ? s : `/${s}`;
  return withSlash.startsWith('/body') ? withSlash.slice(5) : withSlash;
}

/** Maps any thrown value to a problem body (unknown errors become a 500 without internals). */
export function toProblem(e: unknown, instance: string): ProblemBody {
  const body = (status: number, code: string, detail: string, extra: ApiProblem['extra'] = {}): ProblemBody => ({
    type: `urn:vpc-gateway:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    instance,
    ...extra,
  });
  if (e instanceof ApiProblem) return body(e.status, e.code, e.message, e.extra);
  if (e instanceof ConfigError) {
    const extra: ApiProblem['extra'] = {};
    if (e.extra.path !== undefined) extra.path = e.extra.path;
    if (e.extra.problems) extra.problems = e.extra.problems;
    if (e.extra.current !== undefined) extra.currentGeneration = e.extra.current;
    // For document problems the top-level code is the first problem's (OVERLAP, NOT_SUPPORTED ...).
    const code = e.code === 'INVALID_CONFIG' && e.extra.problems?.[0] ? e.extra.problems[0].code : e.code;
    return body(CONFIG_STATUS[e.code], code, e.message, extra);
  }
  if (e instanceof StoreError) return body(503, e.code, e.message);
  if (e instanceof SyntaxError && (e as { type?: string }).type === 'entity.parse.failed') {
    return body(400, 'BAD_JSON', `request body is not valid JSON: ${e.message}`, { path: '' });
  }
  if (isValidatorError(e)) {
    const s = e.status;
    if (s === 400) {
      const problems: Problem[] = (e.errors ?? []).map((x) => ({ code: 'SCHEMA', path: docPath(x.path), detail: x.message ?? 'invalid' }));
      return body(400, 'SCHEMA', problems.map((p) => `${p.path}: ${p.detail}`).join('; ') || (e.message ?? 'invalid request'), {
        path: problems[0]?.path ?? '',
        problems,
      });
    }
    const codes: Record<number, string> = { 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 413: 'TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' };
    if (codes[s]) return body(s, codes[s], e.message ?? 'request refused');
    if (s === 500) return body(500, 'RESPONSE_INVALID', `the agent produced a response that breaks the API contract: ${e.message ?? ''}`);
  }
  return body(500, 'INTERNAL', 'internal error (see the agent log)');
}

/** The request's path without its query: what logs and problem `instance`s show (a query may hold a token). */
export function pathOf(req: Request): string {
  return req.originalUrl.split('?', 1)[0]!;
}

export function sendProblem(res: Response, req: Request, e: unknown): ProblemBody {
  const p = toProblem(e, pathOf(req));
  if (p.code === 'SCHEMA' && res.locals.firstProblemOnly === true) p.detail = `${p.detail} (first problem only: the body is too large to list them all)`;
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p));
  return p;
}

// The express 5 app: auth → body parsing → OpenAPI validation of requests and responses (openapi/gateway.yaml,
// the single contract) → handlers → problem+json for every error. One app per transport, because the
// transport decides authentication (unix socket: file mode; TCP: bearer token).
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { parse } from 'yaml';
import type { ApiContext, Transport } from './context.ts';
import { FEATURE_MODULES } from '../features/index.ts';
import { ApiProblem, sendProblem } from './problem.ts';
import { configRoutes } from './routes-config.ts';
import { systemRoutes } from './routes-system.ts';

export const SPEC_PATH = fileURLToPath(new URL('../../../openapi/gateway.yaml', import.meta.url));

let specCache: object | undefined;
export function loadSpec(): object {
  specCache ??= parse(readFileSync(SPEC_PATH, 'utf8')) as object;
  // The validator mutates the spec it is given; each app gets its own copy.
  return structuredClone(specCache);
}

export interface ApiToken {
  name: string;
  token: string;
}

export interface AppOptions {
  transport: Transport;
  tokens?: ApiToken[];
  /** TCP only: allow GET without a token (Prometheus scraping). Writes always need one. */
  anonymousReads?: boolean;
}

// Hash both sides to a fixed length so timingSafeEqual neither throws on length nor leaks it.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function authenticate(opts: AppOptions, req: Request): string {
  if (opts.transport === 'unix') {
    // The socket's file mode already decided who may connect; the header only names the operator for the audit.
    const user = req.get('x-gw-user');
    return `unix:${user && /^[\w.@-]{1,64}$/.test(user) ? user : 'unknown'}`;
  }
  const h = req.get('authorization');
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  if (m) {
    const given = digest(m[1]!);
    let found: string | undefined;
    for (const t of opts.tokens ?? []) if (timingSafeEqual(given, digest(t.token)) && !found) found = t.name;
    if (found) return `token:${found}`;
    throw new ApiProblem(401, 'UNAUTHORIZED', 'bearer token not accepted');
  }
  if (opts.anonymousReads && (req.method === 'GET' || req.method === 'HEAD')) return 'anonymous';
  throw new ApiProblem(401, 'UNAUTHORIZED', 'a bearer token is required on TCP (Authorization: Bearer <token>)');
}

export function buildApp(ctx: ApiContext, opts: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      ctx.metrics.apiRequests.inc({ method: req.method, route, status: res.statusCode });
      ctx.log.debug({ method: req.method, url: req.originalUrl, status: res.statusCode, us: Number((process.hrtime.bigint() - started) / 1000n) }, 'request');
    });
    try {
      if (opts.transport === 'tcp') res.set('WWW-Authenticate', 'Bearer');
      res.locals.who = authenticate(opts, req);
      next();
    } catch (e) {
      next(e);
    }
  });
  app.use(express.json({ limit: '8mb' }));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: loadSpec() as never,
      validateRequests: { allErrors: true },
      validateResponses: true,
      validateSecurity: false,
      validateFormats: true,
      ignoreUndocumented: false,
    }),
  );
  const r = express.Router();
  configRoutes(r, ctx);
  systemRoutes(r, ctx);
  for (const f of FEATURE_MODULES) f.routes?.(r, ctx);
  app.use(r);
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const p = sendProblem(res, req, err);
    ctx.metrics.apiProblems.inc({ code: p.code });
    if (p.status >= 500) ctx.log.error({ err, url: req.originalUrl }, 'request failed');
  });
  return app;
}

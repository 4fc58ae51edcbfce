// The express 5 app: auth → body parsing → OpenAPI validation of requests and responses (openapi/gateway.yaml,
// the single contract) → handlers → problem+json for every error. One app per transport, because the
// transport decides authentication (unix socket: file mode; TCP: bearer token).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { parse } from 'yaml';
import { authenticate, authorize, type ApiToken } from './auth.ts';
import { readBody } from './body.ts';
import type { ApiContext, Transport } from './context.ts';
import { operationTable } from './operations.ts';
import { checkIntegerParams } from './params.ts';
import { FEATURE_MODULES } from '../features/index.ts';
import { ApiProblem, pathOf, sendProblem } from './problem.ts';
import { configRoutes } from './routes-config.ts';
import { systemRoutes } from './routes-system.ts';

export const SPEC_PATH = fileURLToPath(new URL('../../../openapi/gateway.yaml', import.meta.url));

let specCache: object | undefined;
export function loadSpec(): object {
  specCache ??= parse(readFileSync(SPEC_PATH, 'utf8')) as object;
  // The validator mutates the spec it is given; each app gets its own copy.
  return structuredClone(specCache);
}

export type { ApiToken } from './auth.ts';

export interface AppOptions {
  transport: Transport;
  tokens?: ApiToken[];
  /** TCP only: operations the spec marks anonymous (status-like reads) without a token. Writes always need one. */
  anonymousReads?: boolean;
}

/** Bodies with up to this many JSON values get every schema problem listed; larger ones the first. */
export const ALL_PROBLEMS_UP_TO = 4000;

export function buildApp(ctx: ApiContext, opts: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const ops = operationTable(loadSpec());
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      ctx.metrics.apiRequests.inc({ method: req.method, route, status: res.statusCode });
      // Query values are left out of logs: a client may have put a token there.
      const query = Object.keys(req.query);
      ctx.log.debug({ method: req.method, path: pathOf(req), ...(query.length ? { query } : {}), status: res.statusCode, us: Number((process.hrtime.bigint() - started) / 1000n) }, 'request');
    });
    // Who, may they, and the body: all decided before the validator, in this order, so an anonymous or
    // unauthorized caller never gets a body inflated or parsed.
    const run = async (): Promise<void> => {
      if (opts.transport === 'tcp') res.set('WWW-Authenticate', 'Bearer');
      const hit = ops.find(req.method, req.path);
      const caller = authenticate(opts.transport, opts, req, hit?.op);
      res.locals.who = caller.who;
      try {
        authorize(caller, req.method, hit?.op);
      } catch (e) {
        // RFC 6750 §3.1: the token is fine, its scope is not.
        if (e instanceof ApiProblem && e.status === 403) res.set('WWW-Authenticate', 'Bearer error="insufficient_scope", scope="write"');
        throw e;
      }
      if (hit) checkIntegerParams(req, hit.op, hit.params);
      const body = await readBody(req, hit?.op);
      req.body = body?.value;
      res.locals.firstProblemOnly = (body?.values ?? 0) > ALL_PROBLEMS_UP_TO;
    };
    run().then(() => next(), next);
  });
  // ajv collects all errors by concatenating arrays at each $ref, quadratic in their number: 32k wrong items
  // took 2.5 s, 65k 17 s. Bodies with more values than ALL_PROBLEMS_UP_TO are validated to the first problem.
  const validator = (allErrors: boolean): express.Router => {
    const v = express.Router();
    v.use(
      OpenApiValidator.middleware({
        apiSpec: loadSpec() as never,
        validateRequests: { allErrors },
        validateResponses: true,
        validateSecurity: false,
        validateFormats: true,
        ignoreUndocumented: false,
      }),
    );
    return v;
  };
  const allProblems = validator(true);
  const firstProblem = validator(false);
  app.use((req: Request, res: Response, next: NextFunction) => (res.locals.firstProblemOnly ? firstProblem : allProblems)(req, res, next));
  // Exact paths only: the operation table above matches the spec's spelling, and so must the handlers.
  const r = express.Router({ caseSensitive: true, strict: true });
  configRoutes(r, ctx);
  systemRoutes(r, ctx);
  for (const f of FEATURE_MODULES) f.routes?.(r, ctx);
  app.use(r);
  // The validator forgives a trailing slash the strict router does not: still a problem, never express's HTML.
  app.use((req: Request, _res: Response, next: NextFunction) => next(new ApiProblem(404, 'NOT_FOUND', `no operation ${req.method} ${pathOf(req)}`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const p = sendProblem(res, req, err);
    ctx.metrics.apiProblems.inc({ code: p.code });
    if (p.status >= 500) ctx.log.error({ err, path: pathOf(req) }, 'request failed');
  });
  return app;
}

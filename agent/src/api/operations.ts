// The operation table the middlewares in front of the validator need, read from openapi/gateway.yaml (the one
// contract) instead of restated in code: who may call an operation (anonymous on TCP? read or write scope),
// whether it takes a body and how large, and which parameters are integers that must be canonical.
// Matching happens before express routing on purpose: authentication and body limits decide before anything
// is parsed.

export type Scope = 'read' | 'write';

export interface Operation {
  method: string;
  /** The spec's template, e.g. /v1/config/history/{generation}. */
  template: string;
  id: string;
  /** Scope a token needs (the unix socket has every scope). */
  scope: Scope;
  /** Callable without a token on TCP when the boot file enables anonymousReads. */
  anonymous: boolean;
  /** Largest body accepted after decoding (bytes); undefined: the operation takes no body. */
  bodyLimit?: number;
  /** Integer parameters by location, checked for canonical decimal form before the validator coerces them. */
  integers: { in: 'path' | 'query'; name: string; min: number; max: number }[];
}

export interface OperationTable {
  /** The operation for a method and path; undefined when the spec has none (the validator answers 404/405). */
  find(method: string, path: string): { op: Operation; params: Record<string, string> } | undefined;
  readonly all: readonly Operation[];
}

/** A request body route without `x-body-limit` in the spec gets this many bytes. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function deref(spec: Json, v: unknown): Json {
  const o = obj(v);
  const ref = o.$ref;
  if (typeof ref !== 'string') return o;
  let cur: unknown = spec;
  for (const part of ref.replace(/^#\//, '').split('/')) cur = obj(cur)[part];
  return obj(cur);
}

/** Scopes an operation's `security` names: [{bearer: [read]}], or [{}, {bearer: [read]}] for anonymous. */
function access(sec: unknown, where: string): { scope: Scope; anonymous: boolean } {
  if (!Array.isArray(sec) || sec.length === 0) throw new Error(`${where}: security must list the bearer scope`);
  let scope: Scope | undefined;
  let anonymous = false;
  for (const req of sec) {
    const r = obj(req);
    if (Object.keys(r).length === 0) anonymous = true;
    const b = r.bearer;
    if (Array.isArray(b)) {
      if (b.length !== 1 || (b[0] !== 'read' && b[0] !== 'write')) throw new Error(`${where}: bearer scopes must be [read] or [write]`);
      scope = b[0];
    }
  }
  if (!scope) throw new Error(`${where}: security names no bearer scope`);
  return { scope, anonymous };
}

export function operationTable(specIn: object): OperationTable {
  const spec = specIn as Json;
  const globalSec = spec.security;
  const all: Operation[] = [];
  const matchers: { re: RegExp; names: string[]; op: Operation }[] = [];
  for (const [template, item] of Object.entries(obj(spec.paths))) {
    const pathItem = obj(item);
    const shared = Array.isArray(pathItem.parameters) ? pathItem.parameters : [];
    for (const m of METHODS) {
      const o = pathItem[m];
      if (o === undefined) continue;
      const op = obj(o);
      const where = `${m.toUpperCase()} ${template}`;
      const a = access(op.security ?? globalSec, where);
      // Fail closed: a change that forgets `security: write` on a write, or opens one to anonymous, breaks the build.
      if (m !== 'get' && (a.scope !== 'write' || a.anonymous)) throw new Error(`${where}: a write must need the write scope`);
      const integers: Operation['integers'] = [];
      for (const p of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const param = deref(spec, p);
        const schema = deref(spec, param.schema);
        if (schema.type !== 'integer' || (param.in !== 'path' && param.in !== 'query')) continue;
        integers.push({
          in: param.in,
          name: String(param.name),
          min: typeof schema.minimum === 'number' ? schema.minimum : 0,
          max: typeof schema.maximum === 'number' ? schema.maximum : Number.MAX_SAFE_INTEGER,
        });
      }
      const operation: Operation = { method: m.toUpperCase(), template, id: String(op.operationId), ...a, integers };
      if (op.requestBody !== undefined) {
        const limit = obj(op.requestBody)['x-body-limit'];
        operation.bodyLimit = typeof limit === 'number' ? limit : DEFAULT_BODY_LIMIT;
      }
      all.push(operation);
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_s, n: string) => {
        names.push(n);
        return '([^/]+)';
      });
      matchers.push({ re: new RegExp(`^${source}$`), names, op: operation });
    }
  }
  return {
    all,
    find(method, path) {
      const m = method === 'HEAD' ? 'GET' : method;
      for (const x of matchers) {
        if (x.op.method !== m) continue;
        const hit = x.re.exec(path);
        if (!hit) continue;
        const params: Record<string, string> = {};
        x.names.forEach((n, i) => {
          params[n] = hit[i + 1]!;
        });
        return { op: x.op, params };
      }
      return undefined;
    },
  };
}

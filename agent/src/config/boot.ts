// Boot sections of the management plane, parsed at the edge into typed options:
//   store:  { kind: file } | { kind: etcd, endpoints: [url...], prefix, timeoutMs?, probeIntervalMs? }
//   config: { acceptUnrealized?: [feature...] }   (labs/API tests: accept features no component realizes)
//   api:    { socket?, socketMode?, listen?: "host:port", tokens?: [{name, token, scope?: read|write}], anonymousReads? }
import { BootConfigError } from '../boot/config.ts';
import { FEATURES, type Feature } from './features.ts';

export type StoreOptions =
  | { kind: 'file' }
  | { kind: 'etcd'; endpoints: string[]; prefix: string; timeoutMs: number; probeIntervalMs: number };

export interface ApiOptions {
  socket: string;
  socketMode: number;
  listen?: { host: string; port: number };
  tokens: { name: string; token: string; scope: 'read' | 'write' }[];
  anonymousReads: boolean;
}

type Obj = Record<string, unknown>;

function section(v: unknown, path: string, keys: string[]): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new BootConfigError(path, 'must be a mapping');
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new BootConfigError(`${path}.${k}`, `unknown key (known: ${keys.join(', ')})`);
  return v as Obj;
}

function strings(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) throw new BootConfigError(path, 'must be a list of strings');
  return v as string[];
}

function int(v: unknown, path: string, d: number, min: number, max: number): number {
  if (v === undefined) return d;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new BootConfigError(path, `must be an integer in ${min}..${max}`);
  return v;
}

export function parseStoreOptions(v: unknown, instance: string): StoreOptions {
  const o = section(v, 'store', ['kind', 'endpoints', 'prefix', 'timeoutMs', 'probeIntervalMs']);
  const kind = o.kind ?? 'file';
  if (kind === 'file') return { kind };
  if (kind !== 'etcd') throw new BootConfigError('store.kind', 'must be file or etcd');
  const prefix = o.prefix ?? `/vpc-gateway/${instance}`;
  if (typeof prefix !== 'string' || !prefix.startsWith('/')) throw new BootConfigError('store.prefix', 'must start with /');
  return {
    kind,
    endpoints: strings(o.endpoints ?? ['http://127.0.0.1:2379'], 'store.endpoints'),
    prefix: prefix.replace(/\/+$/, ''),
    timeoutMs: int(o.timeoutMs, 'store.timeoutMs', 2000, 100, 60000),
    probeIntervalMs: int(o.probeIntervalMs, 'store.probeIntervalMs', 1000, 100, 60000),
  };
}

export function parseConfigOptions(v: unknown): { acceptUnrealized: Feature[] } {
  const o = section(v, 'config', ['acceptUnrealized']);
  const list = o.acceptUnrealized === undefined ? [] : strings(o.acceptUnrealized, 'config.acceptUnrealized');
  for (const f of list) {
    if (!(FEATURES as readonly string[]).includes(f)) throw new BootConfigError('config.acceptUnrealized', `unknown feature ${f} (known: ${FEATURES.join(', ')})`);
  }
  return { acceptUnrealized: list as Feature[] };
}

export function parseApiOptions(v: unknown, runDir: string): ApiOptions {
  const o = section(v, 'api', ['socket', 'socketMode', 'listen', 'tokens', 'anonymousReads']);
  const socket = o.socket ?? `${runDir}/api.sock`;
  if (typeof socket !== 'string' || socket === '') throw new BootConfigError('api.socket', 'must be a path');
  const out: ApiOptions = {
    socket,
    socketMode: int(o.socketMode, 'api.socketMode', 0o660, 0, 0o777),
    tokens: [],
    anonymousReads: o.anonymousReads === true,
  };
  if (o.listen !== undefined) {
    const m = typeof o.listen === 'string' ? /^(.+):(\d{1,5})$/.exec(o.listen) : null;
    if (!m || Number(m[2]) > 65535) throw new BootConfigError('api.listen', 'must be "host:port"');
    out.listen = { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  }
  if (o.tokens !== undefined) {
    if (!Array.isArray(o.tokens)) throw new BootConfigError('api.tokens', 'must be a list of {name, token}');
    out.tokens = o.tokens.map((t: unknown, i) => {
      const tt = section(t, `api.tokens[${i}]`, ['name', 'token', 'scope']);
      if (typeof tt.name !== 'string' || !/^[\w.-]{1,64}$/.test(tt.name)) throw new BootConfigError(`api.tokens[${i}].name`, 'must be a short name');
      if (typeof tt.token !== 'string' || tt.token.length < 16) throw new BootConfigError(`api.tokens[${i}].token`, 'must be at least 16 characters');
      // Without a scope a token keeps what every token could do before scopes existed: write (docs/management.md).
      const scope = tt.scope ?? 'write';
      if (scope !== 'read' && scope !== 'write') throw new BootConfigError(`api.tokens[${i}].scope`, 'must be read or write');
      return { name: tt.name, token: tt.token, scope };
    });
  }
  if (out.listen && out.tokens.length === 0 && !out.anonymousReads) {
    throw new BootConfigError('api.listen', 'TCP needs api.tokens (writes are never unauthenticated) or anonymousReads: true');
  }
  return out;
}

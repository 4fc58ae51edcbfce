// The CLI's only way to the gateway: the REST API, typed from openapi/gateway.yaml (openapi-fetch), over the
// unix socket by default or TCP with a bearer token. Commands added by other areas use apiClient() too.
import { request } from 'node:http';
import { userInfo } from 'node:os';
import createClient from 'openapi-fetch';
import type { paths } from '../api/openapi.gen.ts';

export interface Target {
  socket: string;
  url?: string;
  token?: string;
}

export const DEFAULT_SOCKET = '/run/vpc-gateway/gw/api.sock';

/** Thrown when the daemon cannot be reached at all (as opposed to answering with a problem). */
export class UnreachableError extends Error {
  constructor(
    readonly where: string,
    readonly reason: Error,
  ) {
    super(`cannot reach the gateway API at ${where}: ${(reason as NodeJS.ErrnoException).code ?? reason.message}`);
  }
}

/** fetch() over a unix socket (global fetch cannot dial one without undici internals). */
function unixFetch(socketPath: string): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(input, init);
    const url = new URL(req.url);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    return new Promise<Response>((resolve, reject) => {
      const r = request({ socketPath, path: url.pathname + url.search, method: req.method, headers: Object.fromEntries(req.headers) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          const status = res.statusCode ?? 500;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers }));
        });
        res.on('error', reject);
      });
      r.on('error', (e) => reject(new UnreachableError(socketPath, e)));
      r.end(body);
    });
  };
}

function tcpFetch(url: string): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    try {
      return await fetch(input, init);
    } catch (e) {
      throw new UnreachableError(url, ((e as Error).cause as Error | undefined) ?? (e as Error));
    }
  };
}

export function apiClient(t: Target) {
  const headers: Record<string, string> = { 'x-gw-user': safeUser() };
  if (t.url && t.token) headers.authorization = `Bearer ${t.token}`;
  return createClient<paths>({
    baseUrl: t.url ?? 'http://gateway',
    fetch: t.url ? tcpFetch(t.url) : unixFetch(t.socket),
    headers,
  });
}

export type ApiClient = ReturnType<typeof apiClient>;

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid${process.getuid?.() ?? ''}`;
  }
}

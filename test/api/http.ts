// Raw HTTP over the API's unix socket or TCP for contract tests: raw on purpose, so tests can send what a
// typed client never would (broken JSON, wrong types, missing headers).
import { request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // Parsed body (JSON and problem+json); undefined for other types.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test-only, asserted field by field
}

export interface Target {
  socket?: string;
  host?: string;
  port?: number;
}

export function call(t: Target, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const h: Record<string, string> = { ...headers };
  if (payload !== undefined && !h['content-type']) h['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const r = request(
      { ...(t.socket ? { socketPath: t.socket } : { host: t.host, port: t.port }), method, path, headers: h },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const ct = String(res.headers['content-type'] ?? '');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: /json/.test(ct) && text ? JSON.parse(text) : undefined });
        });
      },
    );
    r.on('error', reject);
    r.end(payload);
  });
}

/** Polls `cond` until it holds or `ms` passes (no fixed sleeps in tests). */
export async function waitFor<T>(what: string, cond: () => Promise<T | undefined | false> | T | undefined | false, ms = 10000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

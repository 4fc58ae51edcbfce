// Request bodies, read only for operations that take one (per the spec) and bounded before parsing: the
// declared length, the bytes received and the bytes inflated all count against the operation's limit, and
// inflation stops at the first byte over it; then a nesting-depth scan; only then JSON.parse. A body on an
// operation that takes none is refused unread (Node discards the rest of it).
import type { Request } from 'express';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import { scanJson } from './json-depth.ts';
import type { Operation } from './operations.ts';
import { ApiProblem } from './problem.ts';

/** Deepest JSON nesting accepted; the deepest document path (a port forward of a peering's NAT) is 10 levels. */
export const MAX_JSON_DEPTH = 32;

function hasBody(req: Request): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

function mediaType(req: Request): void {
  const ct = req.headers['content-type'];
  const m = ct ? /^\s*application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i.exec(ct) : null;
  if (!m) throw new ApiProblem(415, 'UNSUPPORTED_MEDIA_TYPE', `the body must be application/json (UTF-8); got ${ct ? JSON.stringify(ct.slice(0, 100)) : 'no Content-Type'}`);
}

function decoder(req: Request): Gunzip | Inflate | undefined {
  const enc = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return undefined;
  if (enc === 'gzip' || enc === 'x-gzip') return createGunzip();
  if (enc === 'deflate') return createInflate();
  throw new ApiProblem(415, 'UNSUPPORTED_ENCODING', `Content-Encoding ${JSON.stringify(enc.slice(0, 40))} is not supported (identity, gzip, deflate)`);
}

const tooLarge = (limit: number, what: string): ApiProblem =>
  new ApiProblem(413, 'TOO_LARGE', `the ${what} exceeds ${limit} bytes, the limit of this operation`, { path: '' });

/** Reads the whole body within `limit` decoded bytes; stops reading and inflating at the first byte over it. */
function collect(req: Request, limit: number): Promise<Buffer> {
  const dec = decoder(req);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit, 'body'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let raw = 0;
    let decoded = 0;
    let done = false;
    const finish = (e: unknown, buf?: Buffer): void => {
      if (done) return;
      done = true;
      req.off('data', onRaw);
      if (dec) {
        req.unpipe(dec);
        dec.off('data', onDecoded);
        dec.destroy();
      }
      if (e) {
        // The rest of the request is discarded unread (and uninflated).
        req.resume();
        reject(e instanceof ApiProblem ? e : new ApiProblem(400, 'BAD_ENCODING', `the body could not be read: ${(e as Error).message}`, { path: '' }));
      } else resolve(buf!);
    };
    const onDecoded = (c: Buffer): void => {
      decoded += c.length;
      if (decoded > limit) finish(tooLarge(limit, dec ? 'inflated body' : 'body'));
      else chunks.push(c);
    };
    // Compressed bytes count too: a body is never larger on the wire than the limit allows decoded.
    const onRaw = (c: Buffer): void => {
      raw += c.length;
      if (raw > limit) finish(tooLarge(limit, 'body'));
    };
    req.on('data', onRaw);
    req.on('error', (e) => finish(e));
    req.on('close', () => {
      if (!req.complete) finish(new Error('the client closed the connection mid-body'));
    });
    if (dec) {
      dec.on('data', onDecoded);
      dec.on('error', (e) => finish(e));
      dec.on('end', () => finish(undefined, Buffer.concat(chunks)));
      req.pipe(dec);
    } else {
      req.on('data', onDecoded);
      req.on('end', () => finish(undefined, Buffer.concat(chunks)));
    }
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface Body {
  value: unknown;
  /** JSON values in it (scanJson): how many problems validating it may find. */
  values: number;
}

/** The parsed body of `op`'s request, or undefined for a request without one. */
export async function readBody(req: Request, op: Operation | undefined): Promise<Body | undefined> {
  // Without an operation the validator answers 404/405; the body stays unread either way.
  if (!hasBody(req) || !op) return undefined;
  if (op.bodyLimit === undefined) throw new ApiProblem(400, 'BODY_NOT_ALLOWED', `${req.method} ${op.template} takes no request body`, { path: '' });
  mediaType(req);
  const buf = await collect(req, op.bodyLimit);
  const shape = scanJson(buf, MAX_JSON_DEPTH);
  if (shape.tooDeepAt >= 0) throw new ApiProblem(400, 'TOO_DEEP', `the body nests deeper than ${MAX_JSON_DEPTH} levels (at byte ${shape.tooDeepAt})`, { path: '' });
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    throw new ApiProblem(400, 'BAD_JSON', 'request body is not valid UTF-8', { path: '' });
  }
  try {
    return { value: JSON.parse(text) as unknown, values: shape.values };
  } catch (e) {
    throw new ApiProblem(400, 'BAD_JSON', `request body is not valid JSON: ${(e as Error).message}`, { path: '' });
  }
}

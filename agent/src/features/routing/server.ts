// ZeroMQ ROUTER socket the zebra plugin (DEALER) connects to. One reader loop; replies are sent inline, so there
// is never more than one pending send (zeromq.js allows one) and every message is answered in order.
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Context, Router } from 'zeromq';
import { WIRE_MAX_MESSAGE_BYTES } from '../../../../wire/gen/wire.gen.ts';
import { ZapHandler, type PeerCred } from './peer-auth.ts';
import type { CpiSession } from './session.ts';

export interface SocketAccess {
  /** Group allowed to connect (zebra runs as `frr`); the socket becomes root:<group> 0660. */
  gid: number | undefined;
  /** The ZAP decision on a connection's kernel credentials: null accepts, otherwise the reason to refuse. */
  authorize: (cred: PeerCred | undefined) => string | null;
}

export class CpiServer {
  // Its own context: the ZAP handler endpoint is per context, and only this socket's peers are checked there.
  private readonly context = new Context();
  // zapDomain turns on ZAP for NULL-security connections; enforcing it refuses all if no handler answers.
  // maxMessageSize: a bigger message drops the connection before it is buffered (wire/schema.yaml `limits`).
  private readonly sock = new Router({
    context: this.context,
    linger: 0,
    receiveHighWaterMark: 1000,
    sendHighWaterMark: 1000,
    zapDomain: 'vpc-gateway-cpi',
    zapEnforceDomain: true,
    maxMessageSize: WIRE_MAX_MESSAGE_BYTES,
  });
  private readonly zap: ZapHandler;
  private connections = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly session: CpiSession,
    private readonly access: SocketAccess,
    private readonly onError: (e: unknown) => void,
  ) {
    this.zap = new ZapHandler(this.context, (cred) => access.authorize(cred), onError);
  }

  async start(): Promise<void> {
    const path = this.endpoint.startsWith('ipc://') ? this.endpoint.slice('ipc://'.length) : undefined;
    if (path) {
      const dir = dirname(path);
      if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true, mode: 0o750 });
        if (this.access.gid !== undefined) chownSync(dir, 0, this.access.gid);
      }
    }
    await this.zap.start();
    await this.sock.bind(this.endpoint);
    if (path) {
      // Only root and the FRR group may connect: whoever writes here programs the FIB.
      if (this.access.gid !== undefined) chownSync(path, 0, this.access.gid);
      chmodSync(path, this.access.gid !== undefined ? 0o660 : 0o600);
    }
    void this.watch();
    this.loop = this.read();
  }

  private async watch(): Promise<void> {
    try {
      for await (const ev of this.sock.events) {
        if (ev.type === 'accept') this.connections++;
        if (ev.type === 'disconnect') {
          this.connections = Math.max(0, this.connections - 1);
          if (this.connections === 0) this.session.disconnected();
        }
      }
    } catch {
      // socket closed
    }
  }

  private async read(): Promise<void> {
    try {
      for await (const frames of this.sock) {
        const [id, body, ...extra] = frames;
        if (!id || !body || extra.length) continue; // DEALER sends exactly one frame
        this.session.pendingOps++;
        const replies = this.session.handle(id.toString('hex'), body);
        this.session.pendingOps--;
        for (const r of replies) await this.sock.send([id, r]);
      }
    } catch (e) {
      if (!this.sock.closed) this.onError(e);
    }
  }

  async stop(): Promise<void> {
    this.sock.close();
    await this.loop;
    await this.zap.stop();
  }
}

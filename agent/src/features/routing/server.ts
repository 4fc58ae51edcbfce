// ZeroMQ ROUTER socket the zebra plugin (DEALER) connects to. One reader loop; replies are sent inline, so there
// is never more than one pending send (zeromq.js allows one) and every message is answered in order.
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Router } from 'zeromq';
import type { CpiSession } from './session.ts';

export interface SocketAccess {
  /** Group allowed to connect (zebra runs as `frr`); the socket becomes root:<group> 0660. */
  gid: number | undefined;
}

export class CpiServer {
  private readonly sock = new Router({ linger: 0, receiveHighWaterMark: 1000, sendHighWaterMark: 1000 });
  private connections = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly session: CpiSession,
    private readonly access: SocketAccess,
    private readonly onError: (e: unknown) => void,
  ) {}

  async start(): Promise<void> {
    const path = this.endpoint.startsWith('ipc://') ? this.endpoint.slice('ipc://'.length) : undefined;
    if (path) {
      const dir = dirname(path);
      if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true, mode: 0o750 });
        if (this.access.gid !== undefined) chownSync(dir, 0, this.access.gid);
      }
    }
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
  }
}

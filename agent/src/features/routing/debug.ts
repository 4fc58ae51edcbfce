// Read-only debug view of the CPI's models on a unix socket (0600, root only): a client connects and receives
// one JSON document (FIB prefixes per VRF as the agent believes the dataplane holds them, and the EVPN model
// keyed by VNI). Used by the integration tests and by operators with `socat - UNIX:<runDir>/cpi-debug.sock`;
// the management API serves the status (CPI key) and the dataplane tables themselves.
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

export class CpiDebugSocket {
  private server: Server | undefined;
  constructor(
    private readonly path: string,
    private readonly view: () => unknown,
  ) {}

  async start(): Promise<void> {
    rmSync(this.path, { force: true });
    this.server = createServer((c) => {
      c.on('error', () => undefined);
      c.end(JSON.stringify(this.view()) + '\n');
    });
    await new Promise<void>((res, rej) => this.server!.once('error', rej).listen(this.path, () => res()));
    chmodSync(this.path, 0o600);
  }

  async stop(): Promise<void> {
    await new Promise<void>((res) => (this.server ? this.server.close(() => res()) : res()));
    rmSync(this.path, { force: true });
  }
}

// Listeners: the unix socket (always; its file mode is the authorization) and optional TCP (bearer tokens).
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { Express } from 'express';

/** A socket file nobody answers on is a leftover of a crashed agent; a live one means a second agent. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another agent is serving ${path}`);
  unlinkSync(path);
}

function listen(server: Server, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

export async function listenUnix(app: Express, path: string, mode: number): Promise<Server> {
  await removeStaleSocket(path);
  const server = createServer(app);
  await listen(server, path);
  chmodSync(path, mode);
  return server;
}

export async function listenTcp(app: Express, host: string, port: number): Promise<Server> {
  const server = createServer(app);
  await listen(server, { host, port });
  return server;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

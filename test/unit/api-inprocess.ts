// The real express app (requests and responses validated against openapi/gateway.yaml) and config service over
// a file store in a temporary directory, with the given consumers and services: the in-process API fixture of the
// feature API tests (vpc, nat).
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../../agent/src/api/app.ts';
import { makeApiContext } from '../../agent/src/api/context.ts';
import { closeServer, listenUnix } from '../../agent/src/api/server.ts';
import { AuditLog } from '../../agent/src/audit/log.ts';
import type { ConfigConsumer } from '../../agent/src/config/consumer.ts';
import { ConfigService } from '../../agent/src/config/service.ts';
import { FileStore } from '../../agent/src/store/file-store.ts';
import type { Target } from '../api/http.ts';

export async function startInProcessApi(name: string, consumers: ConfigConsumer[], sources: Omit<Parameters<typeof makeApiContext>[0], 'config' | 'audit' | 'log'>): Promise<{ unix: Target; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `gwmg-${name}-`));
  const store = new FileStore(dir);
  await store.open();
  const audit = new AuditLog(dir);
  audit.open();
  const log = pino({ level: 'silent' });
  const config = new ConfigService(store, audit, log);
  for (const c of consumers) config.addConsumer(c);
  await config.start();
  const sock = join(dir, 'api.sock');
  const server: Server = await listenUnix(buildApp(makeApiContext({ config, audit, log, ...sources }), { transport: 'unix' }), sock, 0o600);
  return {
    unix: { socket: sock },
    close: async () => {
      await closeServer(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// API component, started last: applies the newest stored generation to every registered consumer, then opens
// the unix socket (and TCP if configured). Stopping closes the listeners first so no write lands mid-shutdown.
import type { Server } from 'node:http';
import type { Component, DaemonContext } from '../core/daemon.ts';
import { parseApiOptions, type ApiOptions } from '../config/boot.ts';
import { AUDIT, CONFIG_SERVICE } from '../config/component.ts';
import { LOGS } from '../core/keys.ts';
import { LogLevels } from '../log/levels.ts';
import { buildApp } from './app.ts';
import { makeApiContext } from './context.ts';
import { closeServer, listenTcp, listenUnix } from './server.ts';

export class ApiComponent implements Component {
  readonly name = 'api';
  private readonly servers: Server[] = [];
  // Parsed at construction, before any component starts: a boot the API would refuse (TCP without tokens)
  // must not first start the dataplane and FRR only to stop them again.
  private readonly opts: ApiOptions;

  constructor(private readonly ctx: DaemonContext) {
    this.opts = parseApiOptions(ctx.boot.sections.api, ctx.boot.runDir);
  }

  async start(): Promise<void> {
    const { registry } = this.ctx;
    const opts = this.opts;
    const config = registry.get(CONFIG_SERVICE);
    const logs = registry.find(LOGS) ?? LogLevels.wrapping(this.ctx.log);
    const log = logs.for('api');
    try {
      await config.start();
    } catch (e) {
      // The store may be unreachable (etcd down at boot): serve the API degraded rather than not at all.
      log.error({ err: e }, 'initial apply failed; serving the API degraded');
    }
    const api = makeApiContext({ config, audit: registry.get(AUDIT), log, logs, services: registry });
    this.servers.push(await listenUnix(buildApp(api, { transport: 'unix' }), opts.socket, opts.socketMode));
    log.info({ socket: opts.socket }, 'API listening on unix socket');
    if (opts.listen) {
      this.servers.push(
        await listenTcp(buildApp(api, { transport: 'tcp', tokens: opts.tokens, anonymousReads: opts.anonymousReads }), opts.listen.host, opts.listen.port),
      );
      log.info({ listen: opts.listen }, 'API listening on TCP');
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.splice(0).map(closeServer));
  }
}

// Config component: opens the store and the audit log and provides CONFIG so that components started after it
// register their consumers. It does not apply anything: the API component (started last, when every consumer
// is registered) applies the stored generation and then opens the API.
import type { Component, DaemonContext } from '../core/daemon.ts';
import { AuditLog } from '../audit/log.ts';
import { CONFIG, LOGS } from '../core/keys.ts';
import { EtcdStore } from '../store/etcd-store.ts';
import { FileStore } from '../store/file-store.ts';
import { acquireStateLock } from '../store/state-lock.ts';
import type { ConfigStore } from '../store/store.ts';
import { parseConfigOptions, parseStoreOptions } from './boot.ts';
import { ConfigService } from './service.ts';
import { key } from '../core/daemon.ts';

/** The service itself, for the API component (other components use CONFIG's narrower ConfigHub). */
export const CONFIG_SERVICE = key<ConfigService>('config-service');
export const AUDIT = key<AuditLog>('audit');

export class ConfigComponent implements Component {
  readonly name = 'config';
  private store: ConfigStore | undefined;
  private unlock: (() => void) | undefined;

  constructor(private readonly ctx: DaemonContext) {}

  async start(): Promise<void> {
    const { boot, registry } = this.ctx;
    const log = registry.find(LOGS)?.for('config') ?? this.ctx.log.child({ mod: 'config' });
    const so = parseStoreOptions(boot.sections.store, boot.instance);
    const co = parseConfigOptions(boot.sections.config);
    this.unlock = acquireStateLock(boot.stateDir);
    this.store = so.kind === 'file' ? new FileStore(boot.stateDir) : new EtcdStore(so, registry.find(LOGS)?.for('store') ?? log);
    await this.store.open();
    const audit = new AuditLog(boot.stateDir);
    audit.open();
    const svc = new ConfigService(this.store, audit, log, co.acceptUnrealized);
    registry.provide(CONFIG, svc);
    registry.provide(CONFIG_SERVICE, svc);
    registry.provide(AUDIT, audit);
  }

  async stop(): Promise<void> {
    await this.store?.close();
    this.unlock?.();
  }
}

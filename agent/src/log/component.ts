// Started first: replaces the daemon's logger with the managed one (same bindings, same level by default) so
// that every component's logs — child loggers or `{mod}` fields — follow the levels set through the API.
import type { Component, DaemonContext } from '../core/daemon.ts';
import { LOGS } from '../core/keys.ts';
import { LogLevels } from './levels.ts';

export class LogComponent implements Component {
  readonly name = 'logs';
  constructor(private readonly ctx: DaemonContext) {}
  async start(): Promise<void> {
    const levels = LogLevels.wrapping(this.ctx.log);
    this.ctx.log = levels.root;
    this.ctx.registry.provide(LOGS, levels);
  }
  async stop(): Promise<void> {}
}

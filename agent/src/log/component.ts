// Provides LOGS first so every later component can take a per-component logger whose level the API changes.
import type { Component, DaemonContext } from '../daemon.ts';
import { LOGS } from '../keys.ts';
import { LogLevels } from './levels.ts';

export class LogComponent implements Component {
  readonly name = 'logs';
  constructor(private readonly ctx: DaemonContext) {}
  async start(): Promise<void> {
    this.ctx.registry.provide(LOGS, new LogLevels(this.ctx.log));
  }
  async stop(): Promise<void> {}
}

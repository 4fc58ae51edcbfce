// The daemon is a list of components started in order and stopped in reverse order. Components find each
// other through the registry (typed keys), so adding one touches only its own file and one line in main.ts.
import type { BootConfig } from '../boot/config.ts';
import type { Logger } from 'pino';

export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonContext {
  boot: BootConfig;
  log: Logger;
  registry: Registry;
}

/** Typed service registry: `const K = key<RoutingManager>('routing')`. */
export interface Key<T> {
  readonly id: string;
  readonly _t?: T;
}
export function key<T>(id: string): Key<T> {
  return { id };
}

export class Registry {
  private readonly items = new Map<string, unknown>();
  provide<T>(k: Key<T>, v: T): void {
    if (this.items.has(k.id)) throw new Error(`registry: ${k.id} provided twice`);
    this.items.set(k.id, v);
  }
  get<T>(k: Key<T>): T {
    if (!this.items.has(k.id)) throw new Error(`registry: ${k.id} not provided (component order?)`);
    return this.items.get(k.id) as T;
  }
  find<T>(k: Key<T>): T | undefined {
    return this.items.get(k.id) as T | undefined;
  }
}

export class Daemon {
  private readonly started: Component[] = [];
  constructor(private readonly ctx: DaemonContext) {}

  async start(components: Component[]): Promise<void> {
    for (const c of components) {
      this.ctx.log.info({ mod: 'daemon', component: c.name }, 'starting');
      await c.start();
      this.started.push(c);
    }
  }

  async stop(): Promise<void> {
    while (this.started.length > 0) {
      const c = this.started.pop()!;
      try {
        await c.stop();
      } catch (e) {
        this.ctx.log.error({ mod: 'daemon', component: c.name, err: e }, 'stop failed');
      }
    }
  }
}

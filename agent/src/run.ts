// The agent's start: boot config, components of the given features in order, signals. main.ts runs it with
// features/index.ts; a test entry may run it with a feature of its own added.
import { mkdirSync } from 'node:fs';
import { pino } from 'pino';
import { loadBootConfig } from './boot/config.ts';
import { Daemon, Registry, type Component, type DaemonContext } from './core/daemon.ts';
import { LogComponent } from './log/component.ts';
import { ConfigComponent } from './config/component.ts';
import { ApiComponent } from './api/component.ts';
import type { FeatureModule } from './core/feature.ts';
import { leftoversComponent } from './core/leftovers.ts';

function usage(): never {
  process.stderr.write('usage: vpc-gatewayd --config <boot.yaml>\n');
  process.exit(2);
}

export async function runDaemon(features: readonly FeatureModule[]): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--config');
  if (i < 0 || !args[i + 1]) usage();
  const boot = loadBootConfig(args[i + 1]!);
  const log = pino({ level: process.env.GW_LOG_LEVEL ?? 'info', base: { instance: boot.instance } });
  mkdirSync(boot.runDir, { recursive: true });
  mkdirSync(boot.stateDir, { recursive: true });
  const ctx: DaemonContext = { boot, log, registry: new Registry() };
  const daemon = new Daemon(ctx);

  // Components in start order. Each factory reads its own boot section and provides its services.
  const components: Component[] = [];
  // Management plane first: per-component loggers, then the config store + CONFIG for consumers to register with.
  components.push(new LogComponent(ctx), new ConfigComponent(ctx));
  // With the instance's state lock held: what a killed agent of this instance left goes before anything binds.
  components.push(leftoversComponent(ctx, features));
  // Each feature's components (features/index.ts: underlay, ifmgr, frr, routing), after the config component so
  // they can register as its consumers.
  for (const f of features) components.push(...(f.components?.(ctx) ?? []));

  let stopping = false;
  const stop = async (sig: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ mod: 'daemon', sig }, 'stopping');
    await daemon.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    // The API comes last: it applies the stored generation once every consumer registered, then serves.
    components.push(new ApiComponent(ctx));
    await daemon.start(components);
  } catch (e) {
    log.fatal({ mod: 'daemon', err: e }, 'start failed');
    await daemon.stop();
    process.exit(1);
  }
  log.info({ mod: 'daemon' }, 'ready');
}


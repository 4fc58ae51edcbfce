// The gateway's FRR: supervises zebra (+ zebra plugin), bgpd, bfdd and staticd of this instance and realizes the
// desired state's underlay (BGP neighbors, BFD profiles, router-id, static routes) as a ConfigConsumer. Changes go through
// frr-reload.py (sessions stay up); a refused config is reported and the previous one stays in force.
import { join } from 'node:path';
import { ConsumerRefusal, type ConfigConsumer } from '../../config/consumer.ts';
import type { Feature } from '../../config/features.ts';
import type { DesiredState, Generation } from '../../config/model.ts';
import type { Problem } from '../../config/problem.ts';
import { parseDataplaneSection } from '../underlay/section.ts';
import type { Component, DaemonContext } from '../../core/daemon.ts';
import { CONFIG, FRR, FRR_CONTRIBUTIONS, FRR_CONVERGENCE, FRR_MOUNTNS, FRR_NEIGHBORS, IFMGR, ROUTE_HOLD, ZEBRA_FIB } from '../../core/keys.ts';
import { bgpConvergence } from './convergence.ts';
import type { FrrDaemon } from './daemons.ts';
import { loadInitialConfig } from './initial-config.ts';
import { killLeftoverDaemons } from './leftovers.ts';
import { vtyshNeighbors } from './neighbors.ts';
import { vtyshZebraFib } from './zebra-fib.ts';
import { frrBootOptions, type FrrBootOptions } from './options.ts';
import { applyFrrConfig, FrrApplyError } from './reload.ts';
import { restoreAfterRestart } from './restore.ts';
import { renderFrrConfig, renderProblems } from './render.ts';
import type { FrrSnapshot, FrrStatusSource } from './status.ts';
import { FrrSupervisor } from './supervisor.ts';

export class FrrService implements ConfigConsumer, FrrStatusSource {
  readonly name = 'frr';
  readonly realizes: readonly Feature[];
  private applied: { generation: number; text: string } | null = null;
  private lastApply: FrrSnapshot['lastApply'] = null;
  private readonly counters: FrrSnapshot['counters'] = { applies: 0, applyFailures: {}, daemonRestarts: 0 };
  /** Applies are serialized: frr-reload.py diffs against the running config, two at once would interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: DaemonContext,
    readonly opts: FrrBootOptions,
    private readonly dir: string,
    readonly supervisor: FrrSupervisor,
    /** Kernel interfaces of boot ports whose tap is not named like the port. */
    private readonly interfaces: Readonly<Record<string, string>> = {},
  ) {
    this.realizes = opts.daemons.includes('staticd') ? ['bgp', 'bfd', 'staticRoutes'] : ['bgp', 'bfd'];
  }

  validate(next: DesiredState): Problem[] {
    return renderProblems(next, { staticRoutes: this.opts.daemons.includes('staticd') });
  }

  apply(next: Generation): Promise<void> {
    const run = this.queue.then(() => this.applyNow(next));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(next: Generation): Promise<void> {
    const spec = next.spec;
    const ifmgr = this.ctx.registry.find(IFMGR);
    // The router-id is the protocol address: it must exist on lo before bgpd's `network <id>/32` can match.
    await ifmgr?.set('frr', { loopbackAddresses: [`${spec.gateway.routerId}/32`], vxlans: [], bridges: [] });
    const extra = this.ctx.registry.find(FRR_CONTRIBUTIONS)?.render(spec);
    const text = renderFrrConfig(spec, { ...this.opts, staticRoutes: this.opts.daemons.includes('staticd'), interfaces: this.interfaces, extra });
    try {
      await applyFrrConfig(this.opts.instance, this.dir, text);
    } catch (e) {
      const err = e instanceof FrrApplyError ? e : new FrrApplyError('FRR_RELOAD_FAILED', (e as Error).message);
      this.counters.applyFailures[err.code] = (this.counters.applyFailures[err.code] ?? 0) + 1;
      this.lastApply = { ok: false, at: new Date().toISOString(), generation: next.generation, code: err.code, detail: err.detail };
      this.ctx.log.error({ mod: 'frr', generation: next.generation, code: err.code, detail: err.detail }, 'FRR config refused');
      // A reload that failed half way leaves a mix: put the last good config back in force.
      if (err.code === 'FRR_RELOAD_FAILED' && this.applied) await this.reapply().catch(() => undefined);
      throw new ConsumerRefusal('/gateway', `${err.code}: ${err.detail}`);
    }
    this.applied = { generation: next.generation, text };
    this.counters.applies++;
    this.lastApply = { ok: true, at: new Date().toISOString(), generation: next.generation };
    this.ctx.log.info({ mod: 'frr', generation: next.generation }, 'FRR config applied');
  }

  /** Puts the last good config back (after a daemon restart or a half-applied reload). */
  async reapply(): Promise<void> {
    if (!this.applied) return;
    await applyFrrConfig(this.opts.instance, this.dir, this.applied.text);
    this.ctx.log.info({ mod: 'frr', generation: this.applied.generation }, 'FRR config re-applied');
  }

  /** After a restart: the config in force into the restarted daemons (restore.ts); a diff reload if that fails. */
  restore(): Promise<void> {
    const run = this.queue.then(() => this.restoreNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async restoreNow(): Promise<void> {
    if (!this.applied) return;
    try {
      await restoreAfterRestart(this.opts.instance, this.dir, this.applied.text, this.ctx.log);
      this.ctx.log.info({ mod: 'frr', generation: this.applied.generation }, 'FRR config restored');
    } catch (e) {
      this.ctx.log.warn({ mod: 'frr', err: (e as Error).message }, 'FRR config restore incomplete; reloading');
      await this.reapply();
    }
  }

  onDaemonExit(d: FrrDaemon): void {
    this.counters.daemonRestarts++;
    // bgpd restarts with each of these (restart-policy.ts): its routes may be deleted in zebra meanwhile.
    if (this.opts.daemons.includes('bgpd') && (d === 'bgpd' || d === 'zebra' || d === 'bfdd')) {
      this.ctx.registry.find(ROUTE_HOLD)?.clientRestarting('bgp', `${d} exited; bgpd restarts`);
    }
  }

  snapshot(): FrrSnapshot {
    return {
      instance: this.opts.instance,
      plugin: this.opts.plugin,
      kernelForwarding: this.opts.kernelForwarding,
      daemons: this.supervisor.status(),
      generation: this.applied?.generation ?? null,
      lastApply: this.lastApply,
      counters: { ...this.counters, applyFailures: { ...this.counters.applyFailures } },
    };
  }

  config(): string {
    return this.applied?.text ?? '';
  }
}

function frrOptions(ctx: DaemonContext): FrrBootOptions {
  return frrBootOptions(ctx.boot);
}

/** The FRR daemons of this instance a killed agent left (the frr feature's clearLeftovers). */
export async function clearFrrLeftovers(ctx: DaemonContext): Promise<void> {
  if (ctx.boot.sections.frr === undefined) return;
  await killLeftoverDaemons(frrOptions(ctx).instance, ctx.log);
}

export function frrComponent(ctx: DaemonContext): Component {
  let sup: FrrSupervisor | null = null;
  return {
    name: 'frr',
    async start() {
      const opts = frrOptions(ctx);
      const dir = join(ctx.boot.runDir, 'frr');
      let svc: FrrService | null = null;
      const daemons: FrrDaemon[] = ['zebra', ...opts.daemons];
      const mountns = ctx.registry.find(FRR_MOUNTNS);
      sup = new FrrSupervisor({
        mountNamespace: mountns,
        instance: opts.instance,
        daemons,
        dir,
        modules: opts.plugin ? [opts.plugin] : [],
        log: ctx.log,
        onExit: (d) => svc?.onDaemonExit(d),
        onRestart: async () => {
          await svc?.restore();
        },
      });
      // A replaced mount namespace (its holder died): zebra restarts into the new one, and every client with it.
      mountns?.onReplaced(() => sup?.restartGroupOf('zebra'));
      svc = new FrrService(ctx, opts, dir, sup, bootInterfaces(ctx.boot.sections.dataplane));
      ctx.log.info({ mod: 'frr', instance: opts.instance, plugin: opts.plugin, kernelForwarding: opts.kernelForwarding }, 'starting FRR');
      await sup.start();
      ctx.registry.provide(FRR, svc);
      ctx.registry.provide(FRR_NEIGHBORS, vtyshNeighbors(opts.instance));
      if (opts.daemons.includes('bgpd')) ctx.registry.provide(FRR_CONVERGENCE, bgpConvergence(opts.instance));
      ctx.registry.provide(ZEBRA_FIB, vtyshZebraFib(opts.instance));
      const hub = ctx.registry.find(CONFIG);
      if (hub) {
        hub.addConsumer(svc);
        const cur = hub.applied();
        if (cur) await svc.apply(cur);
      } else if (opts.initialConfig) {
        await svc.apply({ generation: 1, spec: loadInitialConfig(opts.initialConfig) });
      }
    },
    async stop() {
      await sup?.stop();
    },
  };
}

/** Boot ports whose punt tap (what FRR sees) has another name than the port the document refers to. */
function bootInterfaces(dataplane: unknown): Record<string, string> {
  if (dataplane === undefined) return {};
  const out: Record<string, string> = {};
  for (const p of parseDataplaneSection(dataplane).ports) if (p.tapName !== p.name) out[p.name] = p.tapName;
  return out;
}

// The gateway's FRR: supervises zebra (+ zebra plugin), bgpd, bfdd and staticd of this instance and realizes the
// desired state's underlay (BGP neighbors, BFD profiles, router-id, static routes) as a ConfigConsumer. Changes go through
// frr-reload.py (sessions stay up); a refused config is reported and the previous one stays in force.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsumerRefusal, type ConfigConsumer } from '../../config/consumer.ts';
import type { Feature } from '../../config/features.ts';
import type { DesiredState, Generation } from '../../config/model.ts';
import type { Problem } from '../../config/problem.ts';
import { parseDataplaneSection } from '../underlay/section.ts';
import type { Component, DaemonContext } from '../../core/daemon.ts';
import { CONFIG, FRR, FRR_CONTRIBUTIONS, FRR_CONVERGENCE, FRR_MOUNTNS, FRR_NEIGHBORS, IFMGR, ROUTE_HOLD, ZEBRA_FIB } from '../../core/keys.ts';
import { bgpConvergence, type BgpExpectation } from './convergence.ts';
import type { FrrDaemon } from './daemons.ts';
import { loadInitialConfig } from './initial-config.ts';
import { killLeftoverDaemons } from './leftovers.ts';
import { vtyshNeighbors } from './neighbors.ts';
import { vtyshZebraFib } from './zebra-fib.ts';
import { frrBootOptions, type FrrBootOptions } from './options.ts';
import { applyIncremental } from './incremental.ts';
import { applyFrrConfig, FrrApplyError, saveInForce } from './reload.ts';
import { restoreAfterRestart } from './restore.ts';
import { checkFragments, fragmentCount } from './fragments.ts';
import { redactSecrets, renderFrrConfig, renderProblems } from './render.ts';
import { readSecrets } from './secrets.ts';
import { effectiveSession } from './policy.ts';
import type { FrrSnapshot, FrrStatusSource } from './status.ts';
import { FrrSupervisor } from './supervisor.ts';

export class FrrService implements ConfigConsumer, FrrStatusSource {
  readonly name = 'frr';
  readonly realizes: readonly Feature[];
  private applied: { generation: number; text: string; spec: DesiredState } | null = null;
  /** Drained (RFC 8326) since; operational state kept in the state directory, not in the document. */
  private drainedSince: string | null;
  private lastApply: FrrSnapshot['lastApply'] = null;
  private readonly counters: FrrSnapshot['counters'] = { applies: 0, applyFailures: {}, daemonRestarts: 0 };
  /** Applies are serialized: frr-reload.py diffs against the running config, two at once would interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Why bgpd runs without the config in force (it restarted and restore() has not finished), or null. Counted
   * so that a restore finishing for an earlier exit does not clear the mark of a later one.
   */
  private restarting: { why: string; exit: number } | null = null;
  private exits = 0;

  constructor(
    private readonly ctx: DaemonContext,
    readonly opts: FrrBootOptions,
    private readonly dir: string,
    readonly supervisor: FrrSupervisor,
    /** Kernel interfaces of boot ports whose tap is not named like the port. */
    private readonly interfaces: Readonly<Record<string, string>> = {},
    /** File holding the drain state across agent restarts; none = not kept. */
    private readonly drainFile?: string,
  ) {
    this.realizes = opts.daemons.includes('staticd') ? ['bgp', 'bfd', 'staticRoutes'] : ['bgp', 'bfd'];
    this.drainedSince = drainFile ? readDrain(drainFile) : null;
  }

  validate(next: DesiredState): Problem[] {
    const problems = renderProblems(next, { staticRoutes: this.opts.daemons.includes('staticd') });
    const { secrets, problems: secretProblems } = readSecrets(next);
    problems.push(...secretProblems);
    if (problems.length === 0) problems.push(...checkFragments(next, this.render(next, secrets)));
    return problems;
  }

  private render(spec: DesiredState, secrets: Record<string, string>): string {
    return renderFrrConfig(spec, {
      ...this.opts,
      staticRoutes: this.opts.daemons.includes('staticd'),
      interfaces: this.interfaces,
      secrets,
      drained: this.drainedSince !== null,
      extra: this.ctx.registry.find(FRR_CONTRIBUTIONS)?.render(spec),
    });
  }

  /** Drain (RFC 8326 graceful shutdown) or undrain: re-renders the generation in force with the new state. */
  setDrained(drained: boolean): Promise<FrrSnapshot['drain']> {
    const run = this.queue.then(async () => {
      if (drained === (this.drainedSince !== null)) return this.drainState();
      const before = this.drainedSince;
      this.drainedSince = drained ? new Date().toISOString() : null;
      try {
        if (this.applied) await this.applyNow({ generation: this.applied.generation, spec: this.applied.spec });
      } catch (e) {
        this.drainedSince = before;
        throw e;
      }
      if (this.drainFile) writeDrain(this.drainFile, this.drainedSince);
      this.ctx.log.warn({ mod: 'frr', drained, since: this.drainedSince }, drained ? 'gateway drained: GRACEFUL_SHUTDOWN on every announcement (RFC 8326)' : 'gateway undrained');
      return this.drainState();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  drainState(): FrrSnapshot['drain'] {
    return { drained: this.drainedSince !== null, since: this.drainedSince };
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
    // So is the VTEP's: bgpd announces a `network` only for a route in the RIB (import-check).
    const vtep = spec.gateway.vtep && spec.gateway.vtep.ip !== spec.gateway.routerId ? [`${spec.gateway.vtep.ip}/32`] : [];
    await ifmgr?.set('frr', { loopbackAddresses: [`${spec.gateway.routerId}/32`, ...vtep], vxlans: [], bridges: [] });
    const { secrets, problems } = readSecrets(spec);
    // A secret file changed between validation and now: refused at the field naming it.
    if (problems.length > 0) throw new ConsumerRefusal(problems[0]!.path, problems[0]!.detail);
    const text = this.render(spec, secrets);
    let how: Record<string, unknown> = { how: 'reload' };
    try {
      // A peering or a VPC more is a few lines: applied as such when that is all that changed (incremental.ts).
      const inc = this.applied ? await applyIncremental(this.opts.instance, this.applied.text, text).catch((e: unknown) => ({ fallback: (e as Error).message })) : { fallback: 'first apply' };
      if ('applied' in inc) {
        saveInForce(this.dir, text);
        how = { how: 'incremental', ...inc.applied };
      } else {
        if (this.applied) this.ctx.log.debug({ mod: 'frr', generation: next.generation, reason: redactSecrets(inc.fallback) }, 'FRR change not incremental: full reload');
        await applyFrrConfig(this.opts.instance, this.dir, text);
      }
    } catch (e) {
      const raw = e instanceof FrrApplyError ? e : new FrrApplyError('FRR_RELOAD_FAILED', (e as Error).message);
      // FRR echoes the lines it refuses: a password line must not reach the log or the API through it.
      const err = new FrrApplyError(raw.code, redactSecrets(raw.detail));
      this.counters.applyFailures[err.code] = (this.counters.applyFailures[err.code] ?? 0) + 1;
      this.lastApply = { ok: false, at: new Date().toISOString(), generation: next.generation, code: err.code, detail: err.detail };
      this.ctx.log.error({ mod: 'frr', generation: next.generation, code: err.code, detail: err.detail }, 'FRR config refused');
      // A reload that failed half way leaves a mix: put the last good config back in force.
      if (err.code === 'FRR_RELOAD_FAILED' && this.applied) await this.reapply().catch(() => undefined);
      throw new ConsumerRefusal('/gateway', `${err.code}: ${err.detail}`);
    }
    this.applied = { generation: next.generation, text, spec };
    this.counters.applies++;
    this.lastApply = { ok: true, at: new Date().toISOString(), generation: next.generation };
    this.ctx.log.info({ mod: 'frr', generation: next.generation, ...how }, 'FRR config applied');
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
    const exit = this.exits;
    try {
      if (!this.applied) return;
      try {
        await restoreAfterRestart(this.opts.instance, this.dir, this.applied.text, this.ctx.log);
        this.ctx.log.info({ mod: 'frr', generation: this.applied.generation }, 'FRR config restored');
      } catch (e) {
        this.ctx.log.warn({ mod: 'frr', err: (e as Error).message }, 'FRR config restore incomplete; reloading');
        await this.reapply();
      }
    } finally {
      if (this.restarting?.exit === exit) this.restarting = null;
    }
  }

  /**
   * What bgpd must show before its RIB can count as re-learned (convergence.ts): a bgpd that restarted runs with
   * an empty config until restore() put the config in force back, and an empty neighbor list is not converged.
   */
  bgpExpectation(): BgpExpectation {
    return { restarting: this.restarting?.why ?? null, peers: this.applied?.spec.gateway.neighbors.length ?? 0 };
  }

  private tripped = new Set<string>();

  /**
   * Logs each neighbor whose maximum-prefix limit tears the session down, and its recovery, once per change
   * (bgpd's own line is in its log file; this one is in the gateway's, with the limit that tripped).
   */
  async watchPrefixLimits(): Promise<void> {
    const spec = this.applied?.spec;
    const src = this.ctx.registry.find(FRR_NEIGHBORS);
    if (!spec || !src) return;
    const now = new Set((await src.bgp()).filter((p) => p.maxPrefixExceeded).map((p) => p.peer));
    for (const peer of now) {
      if (this.tripped.has(peer)) continue;
      const n = spec.gateway.neighbors.find((x) => x.ip === peer);
      const limit = n ? effectiveSession(n, spec).maximumPrefix : undefined;
      this.ctx.log.error({ mod: 'frr', peer, limit: limit?.limit, restartMinutes: limit?.restartMinutes }, 'BGP maximum-prefix exceeded: session torn down');
    }
    for (const peer of this.tripped) if (!now.has(peer)) this.ctx.log.info({ mod: 'frr', peer }, 'BGP session back after maximum-prefix');
    this.tripped = now;
  }

  onDaemonExit(d: FrrDaemon): void {
    this.counters.daemonRestarts++;
    // bgpd restarts with each of these (restart-policy.ts): its routes may be deleted in zebra meanwhile.
    if (this.opts.daemons.includes('bgpd') && (d === 'bgpd' || d === 'zebra' || d === 'bfdd')) {
      this.restarting = { why: `${d} exited; bgpd restarts`, exit: ++this.exits };
      this.ctx.registry.find(ROUTE_HOLD)?.clientRestarting('bgp', this.restarting.why);
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
      drain: this.drainState(),
      fragments: this.applied ? fragmentCount(this.applied.spec) : 0,
    };
  }

  /** The config in force, passwords redacted (it is served by the API and printed by gwctl). */
  config(): string {
    return redactSecrets(this.applied?.text ?? '');
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
  let watch: NodeJS.Timeout | undefined;
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
      svc = new FrrService(ctx, opts, dir, sup, bootInterfaces(ctx.boot.sections.dataplane), join(ctx.boot.stateDir, 'frr-drain.json'));
      ctx.log.info({ mod: 'frr', instance: opts.instance, plugin: opts.plugin, kernelForwarding: opts.kernelForwarding }, 'starting FRR');
      await sup.start();
      ctx.registry.provide(FRR, svc);
      ctx.registry.provide(FRR_NEIGHBORS, vtyshNeighbors(opts.instance));
      if (opts.daemons.includes('bgpd')) {
        const s = svc;
        ctx.registry.provide(FRR_CONVERGENCE, bgpConvergence(opts.instance, () => s.bgpExpectation()));
      }
      ctx.registry.provide(ZEBRA_FIB, vtyshZebraFib(opts.instance));
      if (opts.daemons.includes('bgpd')) {
        const s = svc;
        watch = setInterval(() => void s.watchPrefixLimits().catch(() => undefined), PREFIX_WATCH_MS);
        watch.unref();
      }
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
      clearInterval(watch);
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

/** How often the maximum-prefix watcher asks bgpd (one `show bgp summary json`). */
const PREFIX_WATCH_MS = 5_000;

function readDrain(file: string): string | null {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { since?: unknown };
    return typeof j.since === 'string' ? j.since : null;
  } catch {
    return null;
  }
}

function writeDrain(file: string, since: string | null): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify({ since }) + '\n');
  renameSync(`${file}.tmp`, file);
}

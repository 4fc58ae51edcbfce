// The dataplane component: reads the boot section `dataplane:`, brings up the EAL, the ports and their punt
// taps (with the port's addresses), installs local/connected routes and the boot-time static routes, learns
// kernel neighbors, starts the workers, and provides DATAPLANE. Without a `dataplane:` section it does
// nothing (an agent without packets: API/config tests).
//
// Nexthop and group ids come from the core owner (core/nexthops.ts): the boot tables and the document's routes
// share one owner over the reserved top of each id space; the routing FIB allocates below it.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Component, DaemonContext } from '../../core/daemon.ts';
import { CONFIG, DATAPLANE } from '../../core/keys.ts';
import { idPools, NexthopBatch, NexthopOwner, RESERVED_IDS, TABLE_DEFAULTS, type NexthopSpec } from '../../core/nexthops.ts';
import type { DataplaneApi, Nexthop, NexthopGroup, PortInfo, RouteOp, RouteTarget } from '../../dataplane/api.ts';
import { DataplaneError } from '../../dataplane/errors.ts';
import { parseDevice, type ParsedDevice } from '../../dataplane/device.ts';
import { ip } from './iproute.ts';
import { NativeDataplane } from '../../dataplane/native.ts';
import { staticRoutesViaZebra } from '../frr/options.ts';
import { DataplaneConfigConsumer } from './config-consumer.ts';
import type { PortWant } from './desired.ts';
import { NeighborLearner, type TapBinding } from './neighbors.ts';
import { Realizer, type PortOps } from './realizer.ts';
import { parseDataplaneSection, type DataplaneSection, type PortSection } from './section.ts';

export { RESERVED_IDS };
/** DPDK 22.11 as Debian builds it (RTE_MAX_ETHPORTS); every gateway port takes two: the device and its tap. */
const MAX_ETHPORTS = 32;

/**
 * Routes, nexthops and groups that make the configured ports and static routes reachable, held in `owner`
 * (the underlay's, over the reserved ids, which the document's routes then share).
 */
export function bootTables(
  sec: DataplaneSection,
  ports: Map<string, PortInfo>,
  owner = new NexthopOwner(idPools(sec.eal.tables).reserved),
): { nexthops: Nexthop[]; groups: NexthopGroup[]; routes: RouteOp[] } {
  const batch = new NexthopBatch();
  const routes: RouteOp[] = [];
  const target = (specs: NexthopSpec[]): RouteTarget => {
    const t = owner.hold(specs, batch);
    if (!t) throw new DataplaneError('DP_BAD_CONFIG', `dataplane: more than ${RESERVED_IDS} boot nexthops/groups`);
    return t;
  };
  for (const p of sec.ports) {
    const port = ports.get(p.name)!;
    p.addresses.forEach((net, i) => {
      const host = p.hostAddresses[i]!.split('/')[0]!;
      routes.push({ op: 'add', vrf: p.vrf, prefix: `${host}/${net.family === 4 ? 32 : 128}`, target: { kind: 'local' } });
      if (net.len < (net.family === 4 ? 32 : 128)) routes.push({ op: 'add', vrf: p.vrf, prefix: net.text, target: target([{ kind: 'connected', port: port.id }]) });
    });
  }
  for (const r of sec.staticRoutes) {
    const specs = r.type !== 'unicast' ? [{ kind: r.type }] : r.nexthops.map((n): NexthopSpec => {
      const port = ports.get(n.port)!.id;
      return n.via ? { kind: 'gateway', port, gateway: n.via, weight: n.weight } : { kind: 'connected', port, weight: n.weight };
    });
    routes.push({ op: 'add', vrf: r.vrf, prefix: r.prefix, target: target(specs) });
  }
  return { nexthops: batch.newNexthops, groups: batch.newGroups, routes };
}

const parsedDevice = (device: string): ParsedDevice | undefined => {
  const d = parseDevice(device);
  return d.ok ? d.device : undefined;
};

/** Only the configured PCI devices are probed (never every NIC of the host); none at all without PCI ports. */
export function pciArgs(ports: PortSection[]): string[] {
  const pci = ports.filter((p) => parsedDevice(p.device)?.kind === 'pci');
  return pci.length ? pci.flatMap((p) => ['-a', p.device]) : ['--no-pci'];
}

function check(what: string, results: string[], items: unknown[]): void {
  const bad = results.findIndex((r) => r !== 'ok');
  if (bad >= 0) throw new DataplaneError('DP_BAD_CONFIG', `${what} ${JSON.stringify(items[bad])}: ${results[bad]}`);
}

const xdpIface = (device: string): string | undefined => {
  const d = parsedDevice(device);
  return d?.kind === 'af_xdp' ? d.args.get('iface') : undefined;
};

type PortSetup = Pick<PortSection, 'name' | 'device' | 'mtu' | 'vrf' | 'netns' | 'tapName' | 'hostAddresses'>;

/** An af_xdp port's XDP program outlives a crashed daemon and makes the next attach fail; only the PMD's own
 *  default program (xsk_def_prog) is removed, never one an operator attached. Returns true if one was removed. */
export async function clearStaleXsk(p: Pick<PortSection, 'device' | 'netns'>, run = ip): Promise<boolean> {
  const iface = xdpIface(p.device);
  if (!iface) return false;
  let link: string;
  try {
    link = await run(p.netns, ['link', 'show', 'dev', iface]);
  } catch {
    return false; // no such interface: the probe reports it with the PMD's own error
  }
  if (!/prog\/xdp\S* id \d+ name xsk_def_prog/.test(link)) return false;
  await run(p.netns, ['link', 'set', 'dev', iface, 'xdp', 'off']);
  return true;
}

/** Other processes holding a tun queue or an XDP socket's BPF map (what a child of a DPDK process inherits):
 *  named in the error of a port that does not attach, since one of them is the likely holder of its queue. */
function dpdkFdHolders(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x) && Number(x) !== process.pid)) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`).map((f) => readlinkSync(`/proc/${pid}/fd/${f}`));
      if (fds.some((l) => l === '/dev/net/tun' || l === 'anon_inode:bpf-map')) out.push(`${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}(${pid})`);
    } catch {
      // exited meanwhile, or a kernel thread
    }
  }
  return out;
}

/** The kernel releases the AF_XDP socket of a process that just exited asynchronously; until then binding the
 *  queue again fails. Measured: a restart right after SIGKILL failed once, then attached. */
async function addPortRetrying(dp: NativeDataplane, p: PortSetup, log: Logger): Promise<PortInfo> {
  const cfg = { name: p.name, device: p.device, mtu: p.mtu, vrf: p.vrf, tapName: p.tapName, ...(p.netns ? { netns: p.netns } : {}) };
  const iface = xdpIface(p.device);
  const exists = async (): Promise<boolean> => ip(p.netns, ['link', 'show', 'dev', iface!]).then(() => true, () => false);
  for (let attempt = 1; ; attempt++) {
    try {
      return dp.addPort(cfg);
    } catch (e) {
      if (!iface || (e as DataplaneError).code !== 'DP_PORT_FAILED' || !(await exists())) throw e;
      if (attempt >= 20) {
        const held = dpdkFdHolders();
        throw new DataplaneError('DP_PORT_FAILED', `${(e as Error).message} (after ${attempt} attempts; ${held.length ? `processes holding DPDK fds: ${held.join(', ')}` : 'no other process holds DPDK fds'})`);
      }
      // Not necessarily busy: the PMD reports a queue still bound elsewhere as EINVAL, like any other failure.
      log.warn({ port: p.name, attempt, err: (e as Error).message }, 'af_xdp port did not attach (is its queue still bound by an exited process?), retrying');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function configureTap(p: PortSetup, info: PortInfo): Promise<void> {
  for (const a of p.hostAddresses) await ip(p.netns, ['addr', 'replace', a, 'dev', info.tapName]);
  await ip(p.netns, ['link', 'set', info.tapName, 'up']);
}

/** Hot-plugs document ports the same way boot ports come up (stale XDP program, af_xdp retry, tap). */
function documentPortOps(dp: NativeDataplane, log: Logger, tapsChanged: (taps: TapBinding[]) => void): PortOps {
  const setup = (w: PortWant): PortSetup => ({ name: w.name, device: w.device, mtu: w.mtu, vrf: 0, tapName: w.name, hostAddresses: w.addresses, ...(w.netns ? { netns: w.netns } : {}) });
  return {
    async add(w) {
      const p = setup(w);
      if (await clearStaleXsk(p)) log.warn({ port: p.name, device: p.device }, 'removed the XDP program a previous run left');
      const info = await addPortRetrying(dp, p, log);
      try {
        await configureTap(p, info);
      } catch (e) {
        dp.removePort(info.id);
        throw e;
      }
      log.info({ port: info }, 'document port up');
      return info;
    },
    async remove(w, info) {
      dp.removePort(info.id);
      log.info({ port: w.name }, 'document port removed');
    },
    async setTapAddresses(w, info, del, add) {
      // An address already gone (a retry after a half-done change) is what we want, not an error.
      for (const a of del) await ip(w.netns, ['addr', 'del', a, 'dev', info.tapName]).catch((e: Error) => {
        if (!/Cannot assign requested address/.test(e.message)) throw e;
        return '';
      });
      for (const a of add) await ip(w.netns, ['addr', 'replace', a, 'dev', info.tapName]);
    },
    portsChanged(ports) {
      tapsChanged(ports.map(({ want, info }) => ({ port: info.id, tap: info.tapName, ...(want.netns ? { netns: want.netns } : {}) })));
    },
  };
}

/** Start-up clean-up of the boot ports (the underlay's clearLeftovers): the XDP programs a killed agent left. */
export async function clearBootPortLeftovers(ctx: DaemonContext): Promise<void> {
  const raw = ctx.boot.sections.dataplane;
  if (raw === undefined) return;
  const log = ctx.log.child({ mod: 'dataplane' });
  for (const p of parseDataplaneSection(raw).ports) {
    if (await clearStaleXsk(p)) log.warn({ port: p.name, device: p.device }, 'removed the XDP program a previous run left');
  }
}

export class DataplaneComponent implements Component {
  readonly name = 'dataplane';
  private dp: NativeDataplane | undefined;
  private learner: NeighborLearner | undefined;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly makeDataplane: () => NativeDataplane = () => new NativeDataplane(),
  ) {}

  /** Neighbor learning counters (for /metrics and tests). */
  get neighborStats(): NeighborLearner['stats'] | undefined {
    return this.learner?.stats;
  }

  async start(): Promise<void> {
    const raw = this.ctx.boot.sections.dataplane;
    const log = this.ctx.log.child({ mod: 'dataplane' });
    if (raw === undefined) {
      log.info('no dataplane section: running without a dataplane');
      return;
    }
    const sec = parseDataplaneSection(raw);
    const dp = this.makeDataplane();
    this.dp = dp;
    try {
      await this.bringUp(sec, dp, log);
    } catch (e) {
      // The daemon only stops components that started: release ports, EAL and hugepages here.
      await this.stop();
      throw e;
    }
  }

  private async bringUp(sec: DataplaneSection, dp: NativeDataplane, log: Logger): Promise<void> {
    const eal = dp.init({ ...sec.eal, extraArgs: [...pciArgs(sec.ports), ...(sec.eal.extraArgs ?? [])] });
    log.info({ hugepages: eal.hugepages, reason: dp.hugepagePlan?.reason, args: eal.args, workerLcores: eal.workerLcores }, 'EAL up');
    for (const vrf of new Set([...sec.ports.map((p) => p.vrf), ...sec.staticRoutes.map((r) => r.vrf)])) {
      if (vrf !== 0) check('vrf', [dp.addVrf(vrf)], [vrf]);
    }
    const ports = new Map<string, PortInfo>();
    // The XDP programs a killed agent left on the boot ports were removed before (clearBootPortLeftovers).
    for (const p of sec.ports) {
      const info = await addPortRetrying(dp, p, log);
      ports.set(p.name, info);
      await configureTap(p, info);
      check('port address', [dp.setPortAddresses(info.id, p.hostAddresses)], [p.hostAddresses]);
      log.info({ port: info }, 'port up');
    }
    // One owner of the reserved ids for the boot tables and the document's routes, which share its entries.
    const nexthops = new NexthopOwner(idPools(sec.eal.tables).reserved);
    const t = bootTables(sec, ports, nexthops);
    check('nexthop', dp.setNexthops(t.nexthops), t.nexthops);
    check('group', dp.setGroups(t.groups), t.groups);
    check('route', dp.applyRoutes(t.routes), t.routes);
    const bootTaps: TapBinding[] = sec.ports.map((p) => ({ port: ports.get(p.name)!.id, tap: p.tapName, ...(p.netns ? { netns: p.netns } : {}) }));
    const learner = new NeighborLearner(dp, bootTaps, log, { resyncMs: sec.neighborResyncMs });
    this.learner = learner;
    const stats = learner.stats;
    dp.addCounterSource(() => ({
      neighbor_learned: BigInt(stats.learned),
      neighbor_removed: BigInt(stats.removed),
      neighbor_miss_events: BigInt(stats.missEvents),
      neighbor_resolutions: BigInt(stats.resolutions),
      neighbor_miss_suppressed: BigInt(stats.missSuppressed),
      neighbor_resyncs: BigInt(stats.resyncs),
      neighbor_errors: BigInt(stats.errors),
    }));
    const realizer = new Realizer(dp, documentPortOps(dp, log, (taps) => learner.setTaps([...bootTaps, ...taps])), nexthops, ports, new Map(sec.ports.map((p) => [p.name, p.hostAddresses])));
    const rs = realizer.stats;
    dp.addCounterSource(() => ({
      config_applies: BigInt(rs.applies),
      config_apply_failures: BigInt(rs.applyFailures),
      config_ports_added: BigInt(rs.portsAdded),
      config_ports_removed: BigInt(rs.portsRemoved),
      config_routes_set: BigInt(rs.routesSet),
      config_routes_deleted: BigInt(rs.routesDeleted),
    }));
    await learner.start();
    dp.startWorkers();
    this.ctx.registry.provide<DataplaneApi>(DATAPLANE, dp);
    const hub = this.ctx.registry.find(CONFIG);
    if (hub) {
      const consumer = new DataplaneConfigConsumer(realizer, sec, {
        maxRoutes4: sec.eal.tables?.maxRoutes4 ?? TABLE_DEFAULTS.maxRoutes4,
        maxRoutes6: sec.eal.tables?.maxRoutes6 ?? TABLE_DEFAULTS.maxRoutes6,
        ids: nexthops.available(),
        ports: Math.floor(MAX_ETHPORTS / 2) - sec.ports.length,
      }, staticRoutesViaZebra(this.ctx.boot));
      hub.addConsumer(consumer);
      const cur = hub.applied();
      if (cur) await consumer.apply(cur);
    }
    log.info({ ports: ports.size, routes: t.routes.length }, 'dataplane forwarding');
  }

  async stop(): Promise<void> {
    await this.learner?.stop();
    this.dp?.shutdown();
    this.learner = undefined;
  }
}

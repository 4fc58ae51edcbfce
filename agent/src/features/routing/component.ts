// The CPI component: listens for the zebra plugin (boot section `cpi:`), feeds its ops into the routing FIB
// (programs DATAPLANE) and the EVPN model, provides CPI (status for API/CLI/metrics).
//
//   cpi:
//     endpoint: ipc:///run/vpc-gateway/gw/zebra.sock   # required; zebra's -M ...:endpoint= must match
//     group: frr            # group allowed to connect (default frr)
//     user: frr             # user zebra runs as: only its connections are accepted (default frr)
//     zebra: /usr/lib/frr/zebra  # zebra's executable: only connections of such a process are accepted
//     netns: gwns           # netns of zebra's vxlan/bridge netdevs, for the netdev -> VNI map (default: own)
//     vnis: { vx100: 100 }  # fixed netdev -> VNI entries (else read from the kernel)
//     staleMaxSeconds: 120  # longest a lost epoch's routes keep forwarding while the RIB re-converges
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootConfigError } from '../../boot/config.ts';
import type { Component, DaemonContext } from '../../core/daemon.ts';
import { CPI, DATAPLANE, FRR_CONVERGENCE, OVERLAY, ROUTE_HOLD } from '../../core/keys.ts';
import { overlayView } from './overlay-view.ts';
import { routeHold, STALE_DEFAULTS } from './stale.ts';
import { EvpnModel, KernelVniMap, type VniMap, type VxlanLink } from './evpn.ts';
import { parsePrefix } from '../../dataplane/addr.ts';
import { Fib } from './fib.ts';
import { EVPN_VNIS_KEY, VPCS_KEY, VpcVrfs, ZEBRA_VRFS_KEY } from './overlay-vrfs.ts';
import { TapPortResolver } from './ports.ts';
import { CpiDebugSocket } from './debug.ts';
import { CpiServer } from './server.ts';
import { ZebraPeers, zebraIdentity } from './peer-auth.ts';
import { CpiSession } from './session.ts';

export interface CpiSection {
  endpoint: string;
  group: string;
  user: string;
  zebra: string;
  netns?: string;
  vnis: Record<string, number>;
  staleMaxSeconds: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const execFileAsync = promisify(execFile);

export function parseCpiSection(v: unknown, path = 'cpi'): CpiSection {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BootConfigError(path, 'must be a mapping');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['endpoint', 'group', 'user', 'zebra', 'netns', 'vnis', 'staleMaxSeconds'].includes(k)) throw new BootConfigError(`${path}.${k}`, 'unknown key');
  if (typeof o.endpoint !== 'string' || !/^ipc:\/\/\/[^:]+$/.test(o.endpoint)) {
    throw new BootConfigError(`${path}.endpoint`, 'must be ipc:///<absolute path> without ":"');
  }
  const group = o.group ?? 'frr';
  if (typeof group !== 'string' || !NAME.test(group)) throw new BootConfigError(`${path}.group`, 'must be a group name');
  const user = o.user ?? 'frr';
  if (typeof user !== 'string' || !NAME.test(user)) throw new BootConfigError(`${path}.user`, 'must be a user name');
  const zebra = o.zebra ?? '/usr/lib/frr/zebra';
  if (typeof zebra !== 'string' || !/^\/[^\0]{1,255}$/.test(zebra)) throw new BootConfigError(`${path}.zebra`, 'must be an absolute path');
  if (o.netns !== undefined && (typeof o.netns !== 'string' || !NAME.test(o.netns))) throw new BootConfigError(`${path}.netns`, 'must be a netns name');
  const vnis: Record<string, number> = {};
  if (o.vnis !== undefined) {
    if (typeof o.vnis !== 'object' || o.vnis === null || Array.isArray(o.vnis)) throw new BootConfigError(`${path}.vnis`, 'must be a mapping');
    for (const [k, n] of Object.entries(o.vnis)) {
      if (!NAME.test(k) || typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 0xffffff) {
        throw new BootConfigError(`${path}.vnis.${k}`, 'must map a netdev name to a VNI 1..16777215');
      }
      vnis[k] = n;
    }
  }
  const stale = o.staleMaxSeconds ?? STALE_DEFAULTS.maxMs / 1000;
  if (typeof stale !== 'number' || !Number.isInteger(stale) || stale < 0 || stale > 3600) {
    throw new BootConfigError(`${path}.staleMaxSeconds`, 'must be an integer 0..3600');
  }
  return { endpoint: o.endpoint, group, user, zebra, ...(typeof o.netns === 'string' ? { netns: o.netns } : {}), vnis, staleMaxSeconds: stale };
}

/** uid or gid (third field) of a name in /etc/passwd or /etc/group. */
function idOf(file: '/etc/passwd' | '/etc/group', name: string): number | undefined {
  try {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
    const id = line ? Number(line.split(':')[2]) : NaN;
    return Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

interface IpLink {
  ifname: string;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number } };
}

const vxlanArgs = (netns: string | undefined): string[] => [...(netns ? ['-n', netns] : []), '-d', '-j', 'link', 'show', 'type', 'vxlan'];

function parseVxlans(out: string): VxlanLink[] {
  return (JSON.parse(out) as IpLink[]).map((l) => ({
    ifname: l.ifname,
    ...(l.linkinfo?.info_data?.id !== undefined ? { vni: l.linkinfo.info_data.id } : {}),
    ...(l.master ? { master: l.master } : {}),
  }));
}

/** For route and EVPN ops, which zebra needs answered now (at most once a second, see KernelVniMap). */
function kernelVxlans(netns: string | undefined): VxlanLink[] {
  try {
    return parseVxlans(execFileSync('ip', vxlanArgs(netns), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return [];
  }
}

/** For readers that can wait for the next answer (/metrics, /v1/cpi): never blocks the table writer. */
async function kernelVxlansAsync(netns: string | undefined): Promise<VxlanLink[]> {
  try {
    return parseVxlans((await execFileAsync('ip', vxlanArgs(netns), { encoding: 'utf8' })).stdout);
  } catch {
    return [];
  }
}

export class CpiComponent implements Component {
  readonly name = 'cpi';
  private server: CpiServer | undefined;
  private debug: CpiDebugSocket | undefined;
  private flush: NodeJS.Timeout | undefined;
  private session: CpiSession | undefined;

  constructor(private readonly ctx: DaemonContext) {}

  async start(): Promise<void> {
    const sec = parseCpiSection(this.ctx.boot.sections.cpi);
    const log = this.ctx.log.child({ mod: 'cpi' });
    const dp = this.ctx.registry.get(DATAPLANE);
    const dpSec = this.ctx.boot.sections.dataplane as
      | { netns?: string; ports?: { name?: string; netns?: string }[]; staticRoutes?: { vrf?: number; prefix?: string }[]; eal?: { tables?: { maxNexthops?: number; maxGroups?: number } } }
      | undefined;
    // Boot ports name their own namespace; ports from the desired-state document live in `dataplane.netns`.
    const netnsOf = (port: string): string | undefined => {
      const boot = dpSec?.ports?.find((p) => p.name === port);
      return boot ? boot.netns : dpSec?.netns;
    };
    // The dataplane component parsed and installed them already (DATAPLANE exists): canonical prefixes here.
    const bootRoutes = new Set((dpSec?.staticRoutes ?? []).map((r) => `${r.vrf ?? 0} ${parsePrefix(r.prefix)?.text ?? ''}`));
    const kernel = new KernelVniMap(() => kernelVxlans(sec.netns), Date.now, () => kernelVxlansAsync(sec.netns));
    // The per-VPC netdevs (features/evpn knows them; with the netns backend they are not in cpi.netns), then the kernel.
    const overlay = (): VniMap | undefined => this.ctx.registry.find(EVPN_VNIS_KEY);
    const vnis: VniMap = {
      vniOf: (n) => sec.vnis[n] ?? overlay()?.vniOf(n) ?? kernel.vniOf(n),
      cached: (n) => {
        const o = overlay();
        return sec.vnis[n] ?? (o ? (o.cached ? o.cached(n) : o.vniOf(n)) : undefined) ?? kernel.cached(n);
      },
    };
    const evpn = new EvpnModel(vnis);
    // Overlay routes: zebra VRF -> VPC (features/evpn) -> dataplane VRF (features/vpc), looked up per route.
    const vrfs = new VpcVrfs(() => this.ctx.registry.find(ZEBRA_VRFS_KEY), () => this.ctx.registry.find(VPCS_KEY));
    const fib = new Fib(dp, new TapPortResolver(dp, netnsOf), dpSec?.eal?.tables ?? {}, bootRoutes, { vrfs, rmacs: evpn });
    const uid = idOf('/etc/passwd', sec.user);
    if (uid === undefined) throw new BootConfigError('cpi.user', `no user ${sec.user} (the user zebra runs as)`);
    const peers = new ZebraPeers(zebraIdentity(uid, sec.zebra));
    const session = new CpiSession(sec.endpoint, fib, evpn, log, peers, 0, () => this.ctx.registry.find(FRR_CONVERGENCE), {
      ...STALE_DEFAULTS,
      maxMs: sec.staleMaxSeconds * 1000,
    });
    this.session = session;
    const authorize = (cred: Parameters<ZebraPeers['check']>[0]): string | null => {
      const why = peers.check(cred);
      if (why) session.refuse('not_zebra', `connection refused: ${why}`);
      return why;
    };
    this.server = new CpiServer(sec.endpoint, session, { gid: idOf('/etc/group', sec.group), authorize }, (e) => log.error({ err: e }, 'cpi socket failed'));
    await this.server.start();
    // Summaries of withheld warnings are written even when the events stop.
    this.flush = setInterval(() => session.limited.flush(), 10_000);
    this.flush.unref();
    this.debug = new CpiDebugSocket(join(this.ctx.boot.runDir, 'cpi-debug.sock'), () => ({
      status: session.snapshot(),
      fib: Object.fromEntries([...new Set([0, ...dp.ports().map((p) => p.vrf)])].map((v) => [v, fib.prefixes(v)])),
      evpn: evpn.snapshot(),
      overlay: { vrfs: Object.fromEntries(fib.vrfIds().filter((v) => v !== 0).map((v) => [v, fib.view(v, session.currentEpoch)])), tunnels: fib.tunnels(), rmacs: evpn.routerMacs() },
    }));
    await this.debug.start();
    this.ctx.registry.provide(CPI, session);
    this.ctx.registry.provide(OVERLAY, overlayView(fib, evpn, () => this.ctx.registry.find(VPCS_KEY), () => session.currentEpoch));
    this.ctx.registry.provide(ROUTE_HOLD, routeHold(session.stale));
    log.info({ endpoint: sec.endpoint }, 'listening for the zebra plugin');
  }

  async stop(): Promise<void> {
    clearInterval(this.flush);
    this.session?.stale.stop();
    await this.debug?.stop();
    await this.server?.stop();
  }
}

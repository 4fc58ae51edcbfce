// Command lines of the FRR daemons, shared by the gateway's supervisor and the lab runner's router nodes.
// Every instance gets its own path space (-N): sockets and pid files in /var/run/frr/<instance>/, so several
// gateways and lab routers run side by side. -P 0 disables the TCP vty (ports would collide across instances).
export const FRR_SBIN = '/usr/lib/frr';
export const FRR_RUN = '/var/run/frr';

export type FrrDaemon = 'zebra' | 'bgpd' | 'bfdd' | 'staticd';
export const FRR_DAEMONS: readonly FrrDaemon[] = ['zebra', 'bgpd', 'bfdd', 'staticd'];

export interface DaemonOptions {
  instance: string;
  /** Startup config; the real config is applied afterwards through vtysh / frr-reload. */
  configFile: string;
  daemonize: boolean;
  logFile?: string;
  /** zebra only: loadable modules (`-M path[:args]`). */
  modules?: string[];
  /** zebra only: the netns VRF backend (`-n`): every entry of /run/netns is a VRF (see mountns.ts). */
  vrfNetns?: boolean;
}

const INSTANCE_RE = /^[A-Za-z0-9_-]{1,48}$/;

export function isValidInstance(name: string): boolean {
  return INSTANCE_RE.test(name);
}

export function daemonArgs(d: FrrDaemon, o: DaemonOptions): string[] {
  if (!isValidInstance(o.instance)) throw new Error(`FRR instance name "${o.instance}" must match ${INSTANCE_RE}`);
  const args = ['-N', o.instance, '-f', o.configFile, '-P', '0'];
  if (o.daemonize) args.push('-d');
  if (o.logFile) args.push('--log', `file:${o.logFile}`);
  if (d === 'zebra') for (const m of o.modules ?? []) args.push('-M', m);
  if (d === 'zebra' && o.vrfNetns) args.push('-n');
  return args;
}

export function daemonPath(d: FrrDaemon): string {
  return `${FRR_SBIN}/${d}`;
}

export function instanceRunDir(instance: string): string {
  return `${FRR_RUN}/${instance}`;
}

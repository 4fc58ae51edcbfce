// The `frr:` section of the boot config: how this gateway runs FRR (not what it configures: that is the
// desired-state document). Parsed at the edge; the renderer and supervisor only see FrrBootOptions.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BootConfig } from '../../boot/config.ts';
import { isValidInstance } from './daemons.ts';
import { FRR_DEFAULTS } from './templates.ts';

export interface FrrBootOptions {
  /** FRR path space (-N); default: the gateway instance name. */
  instance: string;
  /** zebra `-M` module (the zebra plugin), or null when none is loaded. */
  plugin: string | null;
  /** Linux IP forwarding in the gateway's namespace. Off in production: the DPDK workers forward. */
  kernelForwarding: boolean;
  maximumPaths: number;
  /** Desired-state file applied at start when no config store runs in this process. */
  initialConfig?: string;
  /**
   * Announce the gateway's connected networks (its port subnets) over BGP. For labs whose hosts sit on a
   * gateway port; the desired state does not model announced networks yet.
   */
  redistributeConnected: boolean;
  /** Which daemons to run; zebra always. staticd realizes the document's static routes. */
  daemons: ('bgpd' | 'bfdd' | 'staticd')[];
}

export class FrrOptionsError extends Error {
  readonly code = 'FRR_OPTIONS_INVALID';
  constructor(path: string, msg: string) {
    super(`boot.frr.${path}: ${msg}`);
  }
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The plugin the build produced (zebra-plugin/build/*.so), if any. */
export function findBuiltPlugin(dir = join(REPO, 'zebra-plugin/build')): string | null {
  try {
    const so = readdirSync(dir).filter((f) => f.endsWith('.so')).sort();
    return so.length > 0 ? join(dir, so[0]!) : null;
  } catch {
    return null;
  }
}

const KNOWN = new Set(['instance', 'plugin', 'pluginArgs', 'kernelForwarding', 'maximumPaths', 'initialConfig', 'daemons', 'redistributeConnected']);

/**
 * `cpiEndpoint`: the agent's zebra-plugin endpoint (boot `cpi.endpoint`). The plugin is loaded by default only
 * when the agent listens for it, and gets that endpoint, so the two can never disagree.
 */
export function parseFrrOptions(raw: unknown, gatewayInstance: string, cpiEndpoint?: string): FrrBootOptions {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new FrrOptionsError('', 'must be a mapping');
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new FrrOptionsError(k, 'unknown key');
  const instance = o.instance ?? gatewayInstance;
  if (typeof instance !== 'string' || !isValidInstance(instance)) throw new FrrOptionsError('instance', 'must match [A-Za-z0-9_-]{1,48}');
  // 'auto' loads the plugin when the build produced one; false runs zebra on the kernel path only.
  const p = o.plugin ?? (cpiEndpoint ? 'auto' : false);
  let plugin: string | null;
  if (p === false || p === null) plugin = null;
  else if (p === 'auto') plugin = findBuiltPlugin();
  else if (typeof p === 'string' && p.startsWith('/') && !p.includes(':')) {
    if (!existsSync(p)) throw new FrrOptionsError('plugin', `${p} does not exist`);
    plugin = p;
  } else throw new FrrOptionsError('plugin', 'must be "auto", false or an absolute path without ":"');
  if (plugin) {
    if (o.pluginArgs !== undefined && typeof o.pluginArgs !== 'string') throw new FrrOptionsError('pluginArgs', 'must be a string');
    const args = (o.pluginArgs as string | undefined) ?? (cpiEndpoint ? `endpoint=${cpiEndpoint}` : undefined);
    if (!args) throw new FrrOptionsError('plugin', 'the zebra plugin needs the agent endpoint: add a cpi: section or pluginArgs');
    plugin = `${plugin}:${args}`;
  }
  const kf = o.kernelForwarding ?? false;
  if (typeof kf !== 'boolean') throw new FrrOptionsError('kernelForwarding', 'must be a boolean');
  const mp = o.maximumPaths ?? FRR_DEFAULTS.maximumPaths;
  if (typeof mp !== 'number' || !Number.isInteger(mp) || mp < 1 || mp > 256) throw new FrrOptionsError('maximumPaths', 'must be an integer 1..256');
  const ic = o.initialConfig;
  if (ic !== undefined && (typeof ic !== 'string' || ic === '')) throw new FrrOptionsError('initialConfig', 'must be a file path');
  const ds = o.daemons ?? [...FRR_DEFAULTS.daemons];
  if (!Array.isArray(ds) || !ds.every((d) => d === 'bgpd' || d === 'bfdd' || d === 'staticd')) {
    throw new FrrOptionsError('daemons', 'must be a list of bgpd, bfdd, staticd');
  }
  const rc = o.redistributeConnected ?? false;
  if (typeof rc !== 'boolean') throw new FrrOptionsError('redistributeConnected', 'must be a boolean');
  return {
    instance,
    plugin,
    kernelForwarding: kf,
    maximumPaths: mp,
    initialConfig: ic as string | undefined,
    daemons: ds as FrrBootOptions['daemons'],
    redistributeConnected: rc,
  };
}

/** The `frr:` section of a boot config, with the agent's plugin endpoint from its `cpi:` section. */
export function frrBootOptions(boot: BootConfig): FrrBootOptions {
  const cpi = boot.sections.cpi as { endpoint?: unknown } | undefined;
  return parseFrrOptions(boot.sections.frr, boot.instance, typeof cpi?.endpoint === 'string' ? cpi.endpoint : undefined);
}

/**
 * True when this agent's FRR realizes the document's static routes (staticd runs) and zebra's choice reaches the
 * dataplane (the plugin is loaded): the dataplane then must not write them itself, or a static and a BGP route for
 * one prefix would overwrite each other there behind zebra's back.
 */
export function staticRoutesViaZebra(boot: BootConfig): boolean {
  if (boot.sections.frr === undefined) return false;
  const o = frrBootOptions(boot);
  return o.plugin !== null && o.daemons.includes('staticd');
}

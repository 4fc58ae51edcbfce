// The routes zebra shows installed in its FIB through the dataplane plugin, read from vtysh when asked (by the
// status's FIB check, features/routing/health.ts): the default VRF, IPv4 and IPv6.
import { showJson } from './vtysh.ts';

export interface ZebraFibSource {
  /** Prefixes zebra installed through the plugin; undefined when zebra does not answer. */
  installed(): Promise<string[] | undefined>;
}

/** Zebra's own routes that do not go through the plugin: the agent installs local/connected routes itself. */
const NOT_VIA_PLUGIN = new Set(['connected', 'local', 'kernel']);

export type ZebraRoutes = Record<string, { protocol: string; selected?: boolean; installed?: boolean; failed?: boolean }[]>;

/** Prefixes zebra installed in its FIB (selected and installed, not refused) through the dataplane plugin. */
export function zebraInstalled(j: ZebraRoutes | undefined): string[] {
  return Object.entries(j ?? {})
    .filter(([, entries]) => entries.some((e) => e.selected && e.installed && !e.failed && !NOT_VIA_PLUGIN.has(e.protocol)))
    .map(([prefix]) => prefix);
}

export function vtyshZebraFib(instance: string): ZebraFibSource {
  return {
    async installed() {
      const [v4, v6] = await Promise.all([showJson<ZebraRoutes>(instance, 'show ip route json'), showJson<ZebraRoutes>(instance, 'show ipv6 route json')]);
      return v4 === undefined || v6 === undefined ? undefined : [...zebraInstalled(v4), ...zebraInstalled(v6)];
    },
  };
}

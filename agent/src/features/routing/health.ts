// Health of the plugin link and of the dataplane FIB for GET /v1/status: the CPI epoch is complete (the FIB
// mirrors zebra), and every route zebra shows installed in its FIB is in the dataplane's. The comparison reads
// zebra's selected routes of the default VRF (IPv4 and IPv6) and the dataplane's routes once per status poll
// (at most one per second, api/health.ts); what is missing is counted, with a few prefixes as a sample.
import type { Condition } from '../../config/conditions.ts';
import type { Services } from '../../core/feature.ts';
import { CPI, DATAPLANE, FRR } from '../../core/keys.ts';
import { showJson } from '../frr/vtysh.ts';

/** Zebra's own routes that do not go through the plugin: the agent installs local/connected routes itself. */
const NOT_VIA_PLUGIN = new Set(['connected', 'local', 'kernel']);
const SAMPLE = 5;

type ZebraRoutes = Record<string, { protocol: string; selected?: boolean; installed?: boolean; failed?: boolean }[]>;

/** Prefixes zebra installed in its FIB (selected and installed) through the dataplane plugin. */
export function zebraInstalled(j: ZebraRoutes | undefined): string[] {
  return Object.entries(j ?? {})
    .filter(([, entries]) => entries.some((e) => e.selected && e.installed && !e.failed && !NOT_VIA_PLUGIN.has(e.protocol)))
    .map(([prefix]) => prefix);
}

export function fibCondition(zebra: string[], dataplane: Set<string>): Condition {
  const missing = zebra.filter((p) => !dataplane.has(p));
  if (missing.length === 0) return { object: 'fib/default', type: 'Healthy', status: 'True', reason: 'InSync', message: `${zebra.length} routes of zebra's FIB in the dataplane` };
  return {
    object: 'fib/default',
    type: 'Healthy',
    status: 'False',
    reason: 'FibMissingRoutes',
    message: `${missing.length} of ${zebra.length} routes zebra installed are not in the dataplane FIB, e.g. ${missing.slice(0, SAMPLE).join(', ')}`,
  };
}

export async function routingHealth(services: Services): Promise<Condition[]> {
  const cpi = services.find(CPI)?.snapshot();
  if (!cpi) return [];
  const out: Condition[] = [];
  if (cpi.state === 'established' && cpi.epochComplete) out.push({ object: 'cpi/epoch', type: 'Healthy', status: 'True', reason: 'Synced', message: `epoch ${cpi.epoch}` });
  else {
    const why = cpi.state === 'lost' ? 'PluginLost' : cpi.state === 'waiting' ? 'PluginNotConnected' : 'EpochNotSynced';
    out.push({ object: 'cpi/epoch', type: 'Healthy', status: 'False', reason: why, message: `plugin link ${cpi.state}, epoch ${cpi.epoch} ${cpi.epochComplete ? 'complete' : 'not complete'}${cpi.lastMessageAt ? `, last message ${cpi.lastMessageAt}` : ''}` });
  }
  const frr = services.find(FRR);
  const dp = services.find(DATAPLANE);
  if (!frr || !dp) return out;
  const instance = frr.snapshot().instance;
  const [v4, v6] = await Promise.all([showJson<ZebraRoutes>(instance, 'show ip route json'), showJson<ZebraRoutes>(instance, 'show ipv6 route json')]);
  if (v4 === undefined || v6 === undefined) {
    out.push({ object: 'fib/default', type: 'Healthy', status: 'Unknown', reason: 'ZebraNotAnswering', message: 'zebra did not answer show ip[v6] route json' });
    return out;
  }
  out.push(fibCondition([...zebraInstalled(v4), ...zebraInstalled(v6)], new Set(dp.routes(0).map((r) => r.prefix))));
  return out;
}

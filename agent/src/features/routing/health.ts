// Health of the plugin link and of the dataplane FIB for GET /v1/status: the CPI epoch is complete (the FIB
// mirrors zebra), and every route zebra shows installed in its FIB (ZEBRA_FIB: default VRF, IPv4 and IPv6) is
// in the dataplane's, read once per status poll (at most one per second, api/health.ts); what is missing is
// counted, with a few prefixes as a sample.
import type { Condition } from '../../config/conditions.ts';
import type { Services } from '../../core/feature.ts';
import { CPI, DATAPLANE, ZEBRA_FIB } from '../../core/keys.ts';

const SAMPLE = 5;

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
  const zebra = services.find(ZEBRA_FIB);
  const dp = services.find(DATAPLANE);
  if (!zebra || !dp) return out;
  const installed = await zebra.installed();
  if (installed === undefined) {
    out.push({ object: 'fib/default', type: 'Healthy', status: 'Unknown', reason: 'ZebraNotAnswering', message: 'zebra did not answer show ip[v6] route json' });
    return out;
  }
  out.push(fibCondition(installed, new Set(dp.routes(0).map((r) => r.prefix))));
  return out;
}

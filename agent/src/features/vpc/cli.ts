// `gwctl show vpcs|peerings`: the document's VPCs and peerings with what the dataplane realized of them (VRF,
// what each side reaches, counters), as vtysh-style blocks; `-j` prints the API's realized view as is.
import type { Command } from 'commander';
import { showCommand } from '../../cli/commands.ts';
import type { components } from '../../api/openapi.gen.ts';
import { call, CliError, client, globals, print } from '../../cli/output.ts';

type S = components['schemas'];
type OverlayVpc = S['OverlayVpcs']['items'][number];

function vpcTraffic(c: S['OverlayVpcCounters'] | undefined): string {
  if (!c) return '  No counters (the dataplane does not count per VPC)\n';
  const drops = Object.entries(c.drops).filter(([, v]) => v !== '0');
  return (
    `  Sent ${c.rxPackets} packets, ${c.rxBytes} bytes; dropped ${drops.length ? drops.map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}\n` +
    `  Received ${c.txPackets} packets, ${c.txBytes} bytes through peerings\n`
  );
}

const list = (xs: string[]): string => (xs.length ? xs.join(', ') : 'none');

export function formatVpcs(doc: S['Vpc'][], realized: S['OverlayVpcs'] | undefined): string {
  const byName = new Map((realized?.items ?? []).map((v) => [v.name, v]));
  let out = realized?.vtep ? `VTEP ${realized.vtep.ip}, router MAC ${realized.vtep.mac}\n\n` : '';
  // Document order, then anything realized the document no longer has (a generation being rolled back).
  const names = [...doc.map((v) => v.name), ...[...byName.keys()].filter((n) => !doc.some((v) => v.name === n))];
  for (const name of names) {
    const d = doc.find((v) => v.name === name);
    const r: OverlayVpc | undefined = byName.get(name);
    out += `VPC ${name} (id ${d?.id ?? r?.id})\n`;
    out += `  VNI ${d?.vni ?? r?.vni}, ${r ? `VRF ${r.vrf}${realized?.dataplane ? '' : ' (no dataplane: not written)'}` : 'not realized'}\n`;
    out += `  Subnets: ${list(d ? d.subnets.map((s) => s.cidr) : (r?.subnets ?? []))}\n`;
    if (r) out += `  Peerings: ${list(r.peerings)}\n${vpcTraffic(r.counters)}`;
    out += '\n';
  }
  return out;
}

export function formatPeerings(doc: { name: string; sides: { vpc: string }[] }[], realized: S['OverlayPeering'][] | undefined): string {
  const byName = new Map((realized ?? []).map((p) => [p.name, p]));
  const names = [...doc.map((p) => p.name), ...[...byName.keys()].filter((n) => !doc.some((p) => p.name === n))];
  let out = '';
  for (const name of names) {
    const r = byName.get(name);
    if (!r) {
      const d = doc.find((p) => p.name === name)!;
      out += `Peering ${name}: ${d.sides.map((x) => x.vpc).join(' <-> ')}, not realized\n\n`;
      continue;
    }
    out += `Peering ${name} (id ${r.id})\n`;
    for (const s of r.sides) out += `  ${s.vpc} (VRF ${s.vrf}) reaches ${list(s.reaches)}\n    sends from ${list(s.sources)}\n`;
    out += `${r.counters ? `  Carried ${r.counters.packets} packets, ${r.counters.bytes} bytes` : '  No counters'}\n\n`;
  }
  return out;
}

/** The realized view, or undefined where the agent runs no overlay (text mode then shows the document alone). */
async function overlay<T>(cmd: Command, read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (e) {
    const absent = e instanceof CliError && (e.problem as { code?: string } | undefined)?.code === 'NO_OVERLAY';
    if (!absent || globals(cmd).json) throw e;
    return undefined;
  }
}

export function register(program: Command): void {
  const show = showCommand(program);
  show
    .command('vpcs')
    .description('VPCs: the newest document with their VNI, dataplane VRF and traffic')
    .action(async (_o, cmd: Command) => {
      const c = client(cmd);
      const [doc, realized] = await Promise.all([call(c.GET('/v1/vpcs')), overlay(cmd, call(c.GET('/v1/overlay/vpcs')))]);
      print(cmd, realized, () => formatVpcs(doc.items, realized));
    });

  show
    .command('peerings')
    .description('peerings: what each side reaches and may send from, and their traffic')
    .action(async (_o, cmd: Command) => {
      const c = client(cmd);
      const [doc, realized] = await Promise.all([call(c.GET('/v1/peerings')), overlay(cmd, call(c.GET('/v1/overlay/peerings')))]);
      print(cmd, realized, () => formatPeerings(doc.items, realized?.items));
    });
}

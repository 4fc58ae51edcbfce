// `gwctl show plugin` (alias cpi): the zebra plugin link that feeds the routing FIB; `show vteps`, `show rmacs`
// and the VPC routes behind `show routes --vpc X` (underlay's `show routes` hands --vpc over to showVpcRoutes).
import type { Command } from 'commander';
import { showCommand } from '../../cli/commands.ts';
import { call, client, print } from '../../cli/output.ts';
import { fields, table } from '../../cli/table.ts';

/** A VPC's routes with their tunnels: PREFIX, STATE (installed / waiting for a router MAC), VNI, VTEP, RMAC. */
export async function showVpcRoutes(cmd: Command, vpc: string): Promise<void> {
  const r = await call(client(cmd).GET('/v1/overlay/routes', { params: { query: { vpc } } }));
  print(cmd, r, () => {
    const rows = r.items.flatMap((x) => {
      const nh = x.nexthops.length ? x.nexthops : [null];
      return nh.map((n, k) => [
        k === 0 ? x.prefix : '',
        k === 0 ? `${x.state}${x.stale ? ' (stale)' : ''}` : '',
        n === null ? x.target : n.kind === 'vxlan' ? `vxlan vni ${n.vni}` : `port ${n.port}`,
        n === null ? '' : n.kind === 'vxlan' ? n.vtep : (n.gateway ?? 'connected'),
        n === null || n.kind !== 'vxlan' ? '' : (n.rmac ?? '(unknown)'),
        n === null ? '' : n.weight,
      ]);
    });
    return `VPC ${r.vpc} (VRF ${r.vrf}, L3VNI ${r.vni})\n${table(['PREFIX', 'STATE', 'VIA', 'VTEP/GATEWAY', 'RMAC', 'WEIGHT'], rows)}`;
  });
}

export function register(program: Command): void {
  const show = showCommand(program);
  show
    .command('vteps')
    .description('remote VTEPs the overlay routes use (a VXLAN tunnel per L3VNI and VTEP)')
    .action(async (_o, cmd: Command) => {
      const v = await call(client(cmd).GET('/v1/overlay/vteps'));
      print(cmd, v, () => table(['VTEP', 'VNI', 'RMAC', 'TUNNEL', 'GROUPS'], v.items.map((x) => [x.vtep, x.vni, x.rmac, x.tunnel, x.groups])));
    });
  show
    .command('rmacs')
    .description('router MACs of remote VTEPs per L3VNI, as zebra announced them')
    .action(async (_o, cmd: Command) => {
      const v = await call(client(cmd).GET('/v1/overlay/rmacs'));
      print(cmd, v, () => table(['VNI', 'VTEP', 'RMAC', 'FROM'], v.items.map((x) => [x.vni, x.vtep, x.mac, x.from])));
    });
  show
    .command('plugin')
    .alias('cpi')
    .description('zebra plugin link (control-plane interface)')
    .action(async (_o, cmd: Command) => {
      const c = (await call(client(cmd).GET('/v1/cpi'))) as Record<string, unknown> & {
        ops: Record<string, { received?: number; ok?: number; failed?: number }>;
        peer?: { pid: number | null; connections: { accepted: number; refused: number }; refused: Record<string, number>; lastRefusal: { at: string; reason: string } | null };
        malformed?: Record<string, number>;
      };
      print(cmd, c, () => {
        const counts = (o: Record<string, number> | undefined): string => Object.entries(o ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') || '-';
        const scalars = Object.entries(c).filter(([, v]) => typeof v !== 'object' || v === null) as [string, string | number | null][];
        if (c.peer) {
          scalars.push(
            ['peerPid', c.peer.pid],
            ['peerConnections', `accepted=${c.peer.connections.accepted} refused=${c.peer.connections.refused}`],
            ['peersRefused', counts(c.peer.refused)],
            ['lastRefusal', c.peer.lastRefusal ? `${c.peer.lastRefusal.at} ${c.peer.lastRefusal.reason}` : null],
          );
        }
        scalars.push(['malformed', counts(c.malformed)]);
        return fields(scalars) + '\n' + table(['OP', 'RECEIVED', 'OK', 'FAILED'], Object.entries(c.ops).map(([op, v]) => [op, v.received, v.ok, v.failed]));
      });
    });
}

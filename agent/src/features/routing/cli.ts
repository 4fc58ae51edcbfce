// `gwctl show plugin` (alias cpi): the zebra plugin link that feeds the routing FIB.
import type { Command } from 'commander';
import { showCommand } from '../../cli/commands.ts';
import { call, client, print } from '../../cli/output.ts';
import { fields, table } from '../../cli/table.ts';

export function register(program: Command): void {
  const show = showCommand(program);
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

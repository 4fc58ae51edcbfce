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
      const c = (await call(client(cmd).GET('/v1/cpi'))) as Record<string, unknown> & { ops: Record<string, { received?: number; ok?: number; failed?: number }> };
      print(cmd, c, () => {
        const scalars = Object.entries(c).filter(([, v]) => typeof v !== 'object' || v === null) as [string, string | number | null][];
        return fields(scalars) + '\n' + table(['OP', 'RECEIVED', 'OK', 'FAILED'], Object.entries(c.ops).map(([op, v]) => [op, v.received, v.ok, v.failed]));
      });
    });
}

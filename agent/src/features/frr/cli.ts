// `gwctl show frr|bgp|bfd`: FRR as this agent runs it.
import type { Command } from 'commander';
import { showCommand } from '../../cli/commands.ts';
import { call, client, print } from '../../cli/output.ts';
import { fields, table } from '../../cli/table.ts';

export function register(program: Command): void {
  const show = showCommand(program);
  show
    .command('frr')
    .description('FRR daemons and config applies (--config: the rendered frr.conf in force)')
    .option('--config', 'print the rendered FRR configuration')
    .action(async (o: { config?: boolean }, cmd: Command) => {
      if (o.config) {
        const text = await call(client(cmd).GET('/v1/frr/config', { parseAs: 'text' }));
        print(cmd, { config: text }, () => text);
        return;
      }
      const f = await call(client(cmd).GET('/v1/frr'));
      print(cmd, f, () => {
        const la = f.lastApply;
        return (
          fields([
            ['instance', f.instance],
            ['plugin', f.plugin],
            ['generation in force', f.generation],
            ['last apply', la ? `${la.ok ? 'ok' : `FAILED ${la.code ?? ''} ${la.detail ?? ''}`} (generation ${la.generation} at ${la.at})` : null],
          ]) +
          '\n' +
          table(['DAEMON', 'PID', 'RUNNING', 'RESTARTS', 'LAST-EXIT'], f.daemons.map((d) => [d.daemon, d.pid, d.running ? 'yes' : 'no', d.restarts, d.lastExit]))
        );
      });
    });

  show
    .command('bgp')
    .description('BGP neighbor states as FRR reports them')
    .action(async (_o, cmd: Command) => {
      const n = await call(client(cmd).GET('/v1/frr/neighbors'));
      print(cmd, n.bgp, () => table(['NEIGHBOR', 'STATE', 'PFX-RCD'], n.bgp.map((p) => [p.peer, p.state, p.pfxRcd])));
    });

  show
    .command('bfd')
    .description('BFD peer states as FRR reports them')
    .action(async (_o, cmd: Command) => {
      const n = await call(client(cmd).GET('/v1/frr/neighbors'));
      print(cmd, n.bfd, () => table(['PEER', 'STATUS', 'INTERFACE'], n.bfd.map((p) => [p.peer, p.status, p.iface])));
    });
}

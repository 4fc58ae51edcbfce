// `gwctl show frr|bgp|bfd`: FRR as this agent runs it.
import type { Command } from 'commander';
import { showCommand } from '../../cli/commands.ts';
import { call, client, print } from '../../cli/output.ts';
import { fields, table } from '../../cli/table.ts';

export function register(program: Command): void {
  for (const [name, drained, what] of [
    ['drain', true, 'announce everything with GRACEFUL_SHUTDOWN (RFC 8326) so the fabric moves traffic away'],
    ['undrain', false, 'announce normally again'],
  ] as const) {
    program
      .command(name)
      .description(`${what} (operational state, kept across agent restarts)`)
      .action(async (_o, cmd: Command) => {
        const d = await call(client(cmd).PUT('/v1/frr/drain', { body: { drained } }));
        print(cmd, d, () => (d.drained ? `drained since ${d.since ?? '?'}` : 'not drained'));
      });
  }
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
            ['drained', f.drain ? (f.drain.drained ? `yes, since ${f.drain.since ?? '?'}` : 'no') : null],
            ['raw FRR fragments', f.fragments ? `${f.fragments} lines from the document (frrFragments)` : null],
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
      print(cmd, n.bgp, () =>
        table(['NEIGHBOR', 'STATE', 'PFX-RCD', 'MAX-PREFIX'], n.bgp.map((p) => [p.peer, p.state, p.pfxRcd, p.maxPrefixExceeded ? 'EXCEEDED' : ''])),
      );
    });

  show
    .command('bfd')
    .description('BFD peer states as FRR reports them')
    .action(async (_o, cmd: Command) => {
      const n = await call(client(cmd).GET('/v1/frr/neighbors'));
      print(cmd, n.bfd, () => table(['PEER', 'STATUS', 'INTERFACE'], n.bfd.map((p) => [p.peer, p.status, p.iface])));
    });
}

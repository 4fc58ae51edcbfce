// `gwctl show ...`: the management plane's own tables (config, status, history, audit, groups, log levels); each
// feature adds its tables' subcommands from features/<f>/cli.ts (VPCs and peerings: features/vpc/cli.ts).
import type { Command } from 'commander';
import { call, CliError, client, print } from './output.ts';
import { fields, table } from './table.ts';

export function registerShow(program: Command): Command {
  const show = program.command('show').description('show a table (add -j for JSON)');

  show
    .command('config')
    .description('the newest desired-state document (or any stored generation)')
    .option('-g, --generation <n>', 'a stored generation instead of the newest')
    .action(async (o: { generation?: string }, cmd: Command) => {
      if (o.generation !== undefined && !/^[1-9]\d*$/.test(o.generation)) throw new CliError(`gwctl: generation must be a number (got ${o.generation})`, 1);
      const c = client(cmd);
      const d = await call(o.generation ? c.GET('/v1/config/history/{generation}', { params: { path: { generation: Number(o.generation) } } }) : c.GET('/v1/config'));
      // YAML is what `apply -f` takes, so the text form is directly editable.
      const { stringify } = await import('yaml');
      print(cmd, d, () => `# generation ${d.generation}\n${stringify(d.spec)}`);
    });

  show
    .command('status')
    .description('generation in force, store health, per-object conditions, last error')
    .action(async (_o, cmd: Command) => {
      const s = await call(client(cmd).GET('/v1/status'));
      print(cmd, s, () => {
        let out = fields([
          ['state', s.state],
          ['generation', s.generation],
          ['observed generation', s.observedGeneration],
          ['last applied', s.lastAppliedAt],
          ['store', `${s.store.kind} ${s.store.healthy ? 'healthy' : `UNHEALTHY ${s.store.detail ?? ''}`}`],
          ['consumers', (s.consumers ?? []).join(', ') || '-'],
          ['features', (s.features ?? []).join(' ') || '-'],
        ]);
        if (s.lastError) {
          out += `last error (generation ${s.lastError.generation} at ${s.lastError.at}):\n`;
          for (const p of s.lastError.problems) out += `  ${p.path || '/'}: ${p.code}: ${p.detail}\n`;
        }
        if (s.conditions.length > 0) out += `\n${table(['OBJECT', 'TYPE', 'STATUS', 'REASON', 'MESSAGE'], s.conditions.map((c) => [c.object, c.type, c.status, c.reason, c.message]))}`;
        return out;
      });
    });

  show
    .command('history')
    .description('stored generations, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .action(async (o: { limit: string }, cmd: Command) => {
      const h = await call(client(cmd).GET('/v1/config/history', { params: { query: { limit: Number(o.limit) } } }));
      print(cmd, h, () =>
        table(['GEN', 'CREATED', 'AUTHOR', 'RESULT', 'ROLLBACK-OF', 'ERROR'], h.items.map((e) => [e.generation, e.createdAt, e.author, e.result, e.rollbackOf, e.error])),
      );
    });

  show
    .command('audit')
    .description('audit log of writes, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .option('-g, --generation <n>', 'only entries of this generation')
    .action(async (o: { limit: string; generation?: string }, cmd: Command) => {
      const query = { limit: Number(o.limit), ...(o.generation ? { generation: Number(o.generation) } : {}) };
      const a = await call(client(cmd).GET('/v1/audit', { params: { query } }));
      print(cmd, a, () =>
        table(
          ['SEQ', 'AT', 'WHO', 'ACTION', 'GEN', 'RESULT', 'CHANGES', 'DETAIL'],
          a.items.map((e) => [e.seq, e.at, e.who, e.action, e.generation, e.code ? `${e.result} ${e.code}` : e.result, e.diff?.length, e.detail]),
        ),
      );
    });

  show
    .command('groups')
    .description('gateway groups of the newest generation (members by priority)')
    .action(async (_o, cmd: Command) => {
      const g = await call(client(cmd).GET('/v1/groups'));
      const members = (m: { name: string; priority: number }[]): string =>
        [...m].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name)).map((x) => `${x.name}(${x.priority})`).join(' ');
      print(cmd, g, () => table(['NAME', 'MEMBERS'], g.items.map((x) => [x.name, members(x.members)])));
    });

  show
    .command('log-levels')
    .description('per-component log levels')
    .action(async (_o, cmd: Command) => {
      const l = await call(client(cmd).GET('/v1/log-levels'));
      print(cmd, l, () => `default: ${l.default ?? '-'}\n${table(['COMPONENT', 'LEVEL'], Object.entries(l.levels))}`);
    });

  return show;
}

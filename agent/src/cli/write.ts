// gwctl commands that change something: apply, diff (dry-run), rollback, clear counters, set log-level.
// Every write sends If-Match: the generation the operator looked at (--if-match) or, by default, the one
// current when the command starts, so a concurrent change is refused (412) instead of overwritten.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { components } from '../api/openapi.gen.ts';
import { call, CliError, client, print } from './output.ts';
import { table } from './table.ts';

type Config = components['schemas']['Config'];
type WriteResult = components['schemas']['WriteResult'];

function readDocument(file: string): Config {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`gwctl: cannot read ${file}: ${(e as Error).message}`, 1);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new CliError(`gwctl: ${file} is not valid YAML: ${(e as Error).message}`, 1);
  }
  // `gwctl show config -j` output ({generation, spec}) is accepted as is.
  if (typeof doc === 'object' && doc !== null && 'spec' in doc && 'generation' in doc) doc = (doc as { spec: unknown }).spec;
  return doc as Config; // the API validates the shape and answers with every problem
}

async function etag(cmd: Command, explicit: string | undefined): Promise<string> {
  if (explicit !== undefined) return `"${explicit}"`;
  return `"${(await call(client(cmd).GET('/v1/config'))).generation}"`;
}

function renderDiff(head: string, diff: WriteResult['diff']): string {
  if (diff.length === 0) return `${head} (no changes)\n`;
  const short = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v).slice(0, 80));
  return `${head}\n${table(['OP', 'PATH', 'FROM', 'TO'], diff.map((d) => [d.op, d.path, short(d.from), short(d.to)]))}`;
}

function renderWrite(r: WriteResult): string {
  return renderDiff(r.dryRun ? `dry run: would become generation ${r.generation}` : `generation ${r.generation} ${r.applied ? 'applied' : 'stored'}`, r.diff);
}

export function registerWrites(program: Command): void {
  program
    .command('apply')
    .description('replace the desired state with a YAML/JSON document (new generation)')
    .requiredOption('-f, --file <file>', 'document (- = stdin)')
    .option('--if-match <generation>', 'refuse unless this is still the newest generation')
    .action(async (o: { file: string; ifMatch?: string }, cmd: Command) => {
      const doc = readDocument(o.file);
      const r = await call(client(cmd).PUT('/v1/config', { body: doc, params: { header: { 'If-Match': await etag(cmd, o.ifMatch) } } }));
      print(cmd, r, () => renderWrite(r));
    });

  program
    .command('diff')
    .description('what applying a document would change (dry run, nothing stored), or between two generations')
    .option('-f, --file <file>', 'document (- = stdin)')
    .option('--from <generation>', 'compare stored generations instead: from this one')
    .option('--to <generation>', 'to this one (default: the newest)')
    .action(async (o: { file?: string; from?: string; to?: string }, cmd: Command) => {
      if (o.from !== undefined) {
        const query = { from: Number(o.from), ...(o.to !== undefined ? { to: Number(o.to) } : {}) };
        const r = await call(client(cmd).GET('/v1/config/diff', { params: { query } }));
        print(cmd, r, () => renderDiff(`generation ${r.from} -> ${r.to}`, r.diff));
        return;
      }
      if (o.file === undefined) throw new CliError('gwctl: diff needs -f <file> or --from <generation>', 1);
      const doc = readDocument(o.file);
      const r = await call(
        client(cmd).PUT('/v1/config', { body: doc, params: { query: { dryRun: true }, header: { 'If-Match': await etag(cmd, undefined) } } }),
      );
      print(cmd, r, () => renderWrite(r));
    });

  program
    .command('rollback')
    .description('make an older generation the desired state again (as a new generation)')
    .argument('<generation>', 'generation to restore')
    .option('--dry-run', 'only show the diff')
    .option('--if-match <generation>', 'refuse unless this is still the newest generation')
    .action(async (gen: string, o: { dryRun?: boolean; ifMatch?: string }, cmd: Command) => {
      if (!/^\d+$/.test(gen)) throw new CliError(`gwctl: generation must be a number (got ${gen})`, 1);
      const r = await call(
        client(cmd).POST('/v1/config/rollback', {
          body: { generation: Number(gen) },
          params: { query: { dryRun: o.dryRun === true }, header: { 'If-Match': await etag(cmd, o.ifMatch) } },
        }),
      );
      print(cmd, r, () => renderWrite(r));
    });

  program
    .command('clear')
    .description('clear a table')
    .command('counters')
    .description('take a counter baseline (Prometheus counters stay monotonic)')
    .action(async (_o, cmd: Command) => {
      await call(client(cmd).POST('/v1/dataplane/counters/clear'));
      print(cmd, { cleared: true }, () => 'counters cleared\n');
    });

  program
    .command('set')
    .description('change run-time settings')
    .command('log-level')
    .description('set the log level of one component (or "default")')
    .argument('<component>')
    .argument('<level>', 'fatal|error|warn|info|debug|trace|silent')
    .action(async (component: string, level: string, _o, cmd: Command) => {
      type Level = components['schemas']['LogLevel'];
      const body = component === 'default' ? { default: level as Level, levels: {} } : { levels: { [component]: level as Level } };
      const r = await call(client(cmd).PUT('/v1/log-levels', { body }));
      print(cmd, r, () => `${component}: ${level}\n`);
    });
}

// gwctl: the operator CLI, a client of the REST API only. Built-in commands live next to this file; features
// add theirs in features/<f>/cli.ts and other areas a file under commands/ (see commands.ts).
// Exit codes: 0 ok, 1 refused/invalid, 2 unreachable.
import { Command, CommanderError } from 'commander';
import { loadCommandModules } from './commands.ts';
import { CliError } from './output.ts';
import { registerShow } from './show.ts';
import { registerWrites } from './write.ts';

async function main(): Promise<void> {
  const program = new Command('gwctl')
    .description('vpc-gateway operator CLI (a client of the gateway REST API)')
    .option('-s, --socket <path>', 'API unix socket (env GWCTL_SOCKET)')
    .option('--url <url>', 'API over TCP, e.g. http://10.0.0.1:8080 (env GWCTL_URL)')
    .option('--token <token>', 'bearer token for --url (env GWCTL_TOKEN)')
    .option('-j, --json', 'machine-readable JSON output')
    .showHelpAfterError()
    .exitOverride();
  registerShow(program);
  registerWrites(program);
  await loadCommandModules(program);
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CliError) {
      // With -j scripts get the problem+json itself (stable code, path, problems) on stderr.
      const json = program.opts<{ json?: boolean }>().json === true && e.problem !== undefined;
      process.stderr.write(json ? `${JSON.stringify(e.problem, null, 2)}\n` : `${e.message}\n`);
      process.exit(e.exitCode);
    }
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    throw e;
  }
}

await main();

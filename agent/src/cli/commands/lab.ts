// `gwctl lab up|down|status|exec`: the netns runner for containerlab topology files. Runs locally (root),
// not through the gateway API: the lab is what the gateways run in.
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { LabError } from '../../lab/errors.ts';
import { down, nodeNetns, readState, status, up } from '../../lab/runner.ts';
import { loadTopology } from '../../lab/topology.ts';

function fail(e: unknown): never {
  if (e instanceof LabError) {
    process.stderr.write(`gwctl lab: ${e.message}\n`);
    process.exit(e.code === 'LAB_TOPOLOGY_INVALID' || e.code === 'LAB_UNSUPPORTED' ? 2 : 1);
  }
  throw e;
}

const say = (m: string): void => void process.stdout.write(`  ${m}\n`);

export function register(program: Command): void {
  const lab = program.command('lab').description('containerlab topologies realized with network namespaces');

  lab
    .command('up')
    .description('create the lab (idempotent; removes leftovers of a crashed run first)')
    .argument('<topology>', 'path to a *.clab.yml file')
    .option('--name <lab>', 'lab name instead of the file\'s "name"')
    .action(async (file: string, o: { name?: string }) => {
      try {
        const t = loadTopology(file, o.name);
        const r = await up(t, say);
        process.stdout.write(`lab ${t.name}: ${r}\n`);
      } catch (e) {
        fail(e);
      }
    });

  lab
    .command('down')
    .description('remove the lab: processes, namespaces, overlays')
    .argument('<lab-or-topology>', 'lab name or *.clab.yml file')
    .action(async (what: string) => {
      try {
        const target = what.endsWith('.yml') || what.endsWith('.yaml') ? loadTopology(what) : what;
        const n = await down(target, say);
        process.stdout.write(`removed ${n} namespaces\n`);
      } catch (e) {
        fail(e);
      }
    });

  lab
    .command('status')
    .description('namespaces, processes and links of a lab')
    .argument('<lab>')
    // gwctl's global -j/--json: a --json of its own here would never be seen (the program's option takes it).
    .action(async (name: string, _o: unknown, cmd: Command) => {
      try {
        const s = await status(name);
        if (cmd.optsWithGlobals<{ json?: boolean }>().json) {
          process.stdout.write(JSON.stringify(s, null, 2) + '\n');
          return;
        }
        process.stdout.write(`lab ${s.lab} (${s.file ?? '?'})\n`);
        for (const n of s.nodes) {
          process.stdout.write(`${n.name.padEnd(8)} ${n.netns.padEnd(28)} ${n.present ? 'up  ' : 'GONE'} ${n.processes.join(' ')}\n`);
          for (const l of n.links) process.stdout.write(`         ${l.name.padEnd(10)} ${l.state.padEnd(8)} ${l.addrs.join(' ')}\n`);
        }
      } catch (e) {
        fail(e);
      }
    });

  lab
    .command('exec')
    .description('run a command in a node\'s namespace (with its /etc overlay)')
    // The command's own options (ping -c 3) belong to it, not to gwctl.
    .allowUnknownOption()
    .helpOption(false)
    .argument('<lab>')
    .argument('<node>')
    .argument('<command...>')
    .action((name: string, node: string, argv: string[]) => {
      try {
        if (!readState(name)) throw new LabError('LAB_NOT_UP', `lab ${name} is not up`);
        const r = spawnSync('ip', ['netns', 'exec', nodeNetns(name, node), ...argv], { stdio: 'inherit' });
        process.exitCode = r.status ?? 1;
      } catch (e) {
        fail(e);
      }
    });
}

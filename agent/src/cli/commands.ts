// gwctl's command modules, found by file name so that adding one touches no list: every commands/*.ts and
// every features/<f>/cli.ts exporting `register(program)`. gwctl must not load agent code, which is why a
// feature's CLI is its own file and not part of its FeatureModule.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';

function modules(): string[] {
  const dir = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
  const ls = (d: string): string[] => {
    try {
      return readdirSync(d).sort();
    } catch {
      return [];
    }
  };
  const commands = ls(dir('./commands/')).filter((f) => f.endsWith('.ts')).map((f) => `${dir('./commands/')}${f}`);
  const features = ls(dir('../features/')).map((f) => `${dir('../features/')}${f}/cli.ts`).filter((f) => existsSync(f));
  return [...features, ...commands];
}

export async function loadCommandModules(program: Command): Promise<void> {
  for (const f of modules()) {
    const mod = (await import(pathToFileURL(f).href)) as { register?: (p: Command) => void };
    mod.register?.(program);
  }
}

/** The `show` command registerShow created, for modules that add subcommands to it. */
export function showCommand(program: Command): Command {
  const show = program.commands.find((c) => c.name() === 'show');
  if (!show) throw new Error('gwctl: `show` must be registered before command modules');
  return show;
}

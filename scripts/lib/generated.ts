// The command-line end of a code generator (wire/gen.ts, dataplane/tables/gen.ts): write the generated files,
// or with --check only say which ones on disk differ from what the schema generates (exit 1).
import { readFileSync, writeFileSync } from 'node:fs';

function current(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** files: [path, generated content]; regenerate: the command that rewrites them, for the stale message. */
export function emitGenerated(files: [string, string][], regenerate: string, argv = process.argv): void {
  const stale = files.filter(([f, want]) => current(f) !== want);
  if (argv.includes('--check')) {
    for (const [f] of stale) process.stderr.write(`stale: ${f} (run ${regenerate})\n`);
    process.exit(stale.length ? 1 : 0);
  }
  // Unchanged files keep their mtime, so make and the addon's rebuild check do not rebuild for nothing.
  for (const [f, want] of stale) writeFileSync(f, want);
}

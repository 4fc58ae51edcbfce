// The document's raw FRR fragments (gateway.frrFragments) are checked by FRR itself before a generation is
// accepted: the whole rendered candidate goes through `vtysh --dryrun` (FRR's own parser, no daemon touched) and
// each line FRR refuses is reported at the fragment that holds it, with FRR's message. Synchronous (~0.1 s) and
// only for documents that have fragments: validation is synchronous, and a refusal must be a 422 naming the
// field, not a failed apply.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DesiredState } from '../../config/model.ts';
import { problem, type Problem } from '../../config/problem.ts';
import { fragmentLines } from './render.ts';

/** Lines of the fragments in force, for status (0 = none). */
export function fragmentCount(spec: DesiredState): number {
  const f = spec.gateway.frrFragments;
  return (f?.global ? fragmentLines(f.global).length : 0) + (f?.routerBgp ? fragmentLines(f.routerBgp).length : 0);
}

/** `line N: % message` of vtysh --dryrun → problems at the fragment (and its line) that line came from. */
export function attributeDryRun(output: string, rendered: string, spec: DesiredState): Problem[] {
  const lines = rendered.split('\n');
  const f = spec.gateway.frrFragments ?? {};
  const where = (text: string): { path: string; line: number } | undefined => {
    for (const key of ['routerBgp', 'global'] as const) {
      const frag = f[key];
      if (!frag) continue;
      const k = fragmentLines(frag).findIndex((l) => l.trim() === text.trim());
      if (k >= 0) return { path: `/gateway/frrFragments/${key}`, line: k + 1 };
    }
    return undefined;
  };
  const out: Problem[] = [];
  for (const m of output.matchAll(/^line (\d+): (.*)$/gm)) {
    const text = lines[Number(m[1]) - 1] ?? '';
    const at = where(text);
    // A refused line the gateway rendered itself: a fragment changed the context it is parsed in.
    out.push(
      at
        ? problem('INVALID_VALUE', at.path, `FRR refuses line ${at.line} "${text.trim()}": ${m[2]!.trim()}`)
        : problem('INVALID_VALUE', '/gateway/frrFragments', `FRR refuses the rendered line "${text.trim()}" after the fragments: ${m[2]!.trim()}`),
    );
  }
  if (out.length === 0 && output.trim() !== '') out.push(problem('INVALID_VALUE', '/gateway/frrFragments', `FRR refuses the configuration: ${output.trim().split('\n')[0]}`));
  return out;
}

/** Problems FRR finds in the rendered candidate, when the document has fragments; [] otherwise. */
export function checkFragments(spec: DesiredState, rendered: string): Problem[] {
  if (fragmentCount(spec) === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), 'gw-frr-dry-'));
  try {
    // The candidate may hold passwords: private directory, owner-only file, removed right after.
    const file = join(dir, 'candidate.conf');
    writeFileSync(file, rendered, { mode: 0o600 });
    const r = spawnSync('vtysh', ['--dryrun', '-f', file], { encoding: 'utf8', timeout: 15_000 });
    if (r.status === 0) return [];
    return attributeDryRun(`${r.stdout ?? ''}${r.stderr ?? ''}`, rendered, spec);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

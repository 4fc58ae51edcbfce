// Fixture trees for the runner's self-test, written to a temporary directory: test areas that pass, fail,
// skip, hang, do not load or sit in subfolders, and C test binaries that crash, abort under ASan or print
// nothing. Each is a small real program; the runner under test cannot tell them from real suites.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

function put(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** Mocha areas under <root>/test. `hang` starts a child and records its pid in <root>/hang-child.pid. */
export function writeAreas(root: string): string {
  const t = join(root, 'test');
  put(root, 'package.json', '{ "type": "module" }\n');
  // Two folders deep: a runner that only looks one level down finds nothing here.
  put(
    t,
    'nested/a/b/deep.test.ts',
    `import assert from 'node:assert';
describe('nested', () => {
  it('passes one', () => assert.equal(1, 1));
  it('passes two', () => assert.equal(2, 2));
  it.skip('is pending', () => assert.fail('must not run'));
  it('skips itself', function () { this.skip(); });
});
`,
  );
  put(
    t,
    'bad/one.test.ts',
    `import assert from 'node:assert';
describe('bad', () => {
  it('passes', () => assert.ok(true));
  it('fails', () => assert.equal(1, 2));
});
`,
  );
  put(
    t,
    'hang/hang.test.ts',
    `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
describe('hang', () => {
  it('never ends', function () {
    this.timeout(0);
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    writeFileSync(${JSON.stringify(join(root, 'hang-child.pid'))}, String(child.pid));
    return new Promise(() => undefined);
  });
});
`,
  );
  put(t, 'broken/broken.test.ts', `import './does-not-exist.ts';\ndescribe('broken', () => it('never loads', () => undefined));\n`);
  put(t, 'empty/helper.ts', 'export const notATest = 1;\n');
  return t;
}

/** C test binaries in <root>/bin, built with the system compiler (ASan for `asan-abort`). */
export function buildBinaries(root: string): Record<'good' | 'crashAfterResult' | 'asanAbort' | 'exitNonZero' | 'silent', string> {
  const src: Record<string, { code: string; flags?: string[] }> = {
    good: { code: 'int main(void) { puts("ok   a"); puts("ok   b"); puts("2 passed, 0 failed"); return 0; }' },
    // The case: the result line is printed, then the binary dies.
    crashAfterResult: {
      code: 'int main(void) { puts("3 passed, 0 failed"); fflush(stdout); fputs("crash-marker: dying now\\n", stderr); abort(); }',
    },
    // An ASan report and no result line at all.
    asanAbort: {
      code: 'int main(int argc, char **argv) { (void)argv; char *p = malloc(4); p[argc + 4] = 1; free(p); puts("1 passed, 0 failed"); return 0; }',
      flags: ['-fsanitize=address', '-fno-omit-frame-pointer', '-O0'],
    },
    exitNonZero: { code: 'int main(void) { puts("5 passed, 0 failed"); return 3; }' },
    silent: { code: 'int main(void) { return 0; }' },
  };
  const out: Record<string, string> = {};
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const [name, s] of Object.entries(src)) {
    const c = join(root, 'bin', `${name}.c`);
    writeFileSync(c, `#include <stdio.h>\n#include <stdlib.h>\n${s.code}\n`);
    out[name] = join(root, 'bin', name);
    execFileSync('cc', [...(s.flags ?? []), '-o', out[name]!, c]);
  }
  return out as ReturnType<typeof buildBinaries>;
}

export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'gw-runner-selftest-'));
}

// Self-test of the test runner (issue 8, "the runner must not lie"): the real scripts (scripts/lib/c-tests.sh,
// scripts/lib/test-runner.sh, scripts/test.sh, the dataplane Makefile's fuzz-smoke target) run against fixture
// suites that crash, hang, skip or do not exist, and the closing line and exit code must tell the truth.
// No netns and no global names: needs no integration lock.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBinaries, tempRoot, writeAreas } from './fixtures.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Ran {
  code: number | null;
  out: string;
  err: string;
  lastLine: string;
  seconds: number;
}

function sh(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Ran {
  const t0 = Date.now();
  const r = spawnSync('bash', args, { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, out: r.stdout, err: r.stderr, lastLine: lines[lines.length - 1] ?? '', seconds: (Date.now() - t0) / 1000 };
}

/** A process that still runs: a killed orphan may linger as a zombie until pid 1 reaps it, which is dead. */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

const cTests = (...cases: string[]): Ran => sh(['scripts/lib/c-tests.sh', ...cases]);
const areas = (testDir: string, env: Record<string, string>): Ran => sh(['scripts/lib/test-runner.sh', testDir], env);

describe('test runner: the closing line and exit code tell the truth', function () {
  this.timeout(120_000);
  let root: string;
  let testDir: string;
  let bin: ReturnType<typeof buildBinaries>;
  before(() => {
    root = tempRoot();
    testDir = writeAreas(root);
    bin = buildBinaries(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('C test binaries (scripts/lib/c-tests.sh, used by both Makefiles)', () => {
    it('counts a binary that crashed after printing "3 passed, 0 failed" as failed, and shows its output', () => {
      const r = cTests(`good=${bin.good}`, `crash=${bin.crashAfterResult}`);
      expect(r.code).to.not.equal(0);
      expect(r.lastLine).to.equal('5 passed, 1 failed, 0 skipped');
      expect(r.out).to.match(/crash: 3 passed, 1 failed, 0 skipped \(killed by signal SIGABRT\)/);
      expect(r.out).to.contain('crash-marker: dying now');
    });

    it('counts an ASan abort that printed no result line as a failure, with the sanitizer report', () => {
      const r = cTests(`good=${bin.good}`, `asan=ASAN_OPTIONS=detect_leaks=0 ${bin.asanAbort}`);
      expect(r.code).to.not.equal(0);
      expect(r.lastLine).to.equal('2 passed, 1 failed, 0 skipped');
      expect(r.out).to.contain('heap-buffer-overflow');
    });

    it('fails a binary whose exit status is non-zero whatever it printed, and one that printed no result', () => {
      const r = cTests(`exit=${bin.exitNonZero}`, `silent=${bin.silent}`);
      expect(r.code).to.not.equal(0);
      expect(r.lastLine).to.equal('5 passed, 2 failed, 0 skipped');
      expect(r.out).to.contain('exit: 5 passed, 1 failed, 0 skipped (exit status 3)');
      expect(r.out).to.contain("silent: 0 passed, 1 failed, 0 skipped (exit status 0 but no 'N passed, N failed' line)");
    });

    it('passes only when every binary passed', () => {
      const r = cTests(`a=${bin.good}`, `b=${bin.good}`);
      expect(r.code).to.equal(0);
      expect(r.lastLine).to.equal('4 passed, 0 failed, 0 skipped');
    });
  });

  describe('fuzz smoke (dataplane/Makefile fuzz-smoke)', () => {
    for (const [what, cc] of [
      ['clang is missing', '/nonexistent/clang'],
      ['the fuzzer does not build', 'false'],
    ] as const) {
      it(`fails when ${what}, even with a passing result of an earlier run on disk`, () => {
        const out = join(root, `fuzz-out-${cc.replace(/\W/g, '')}`);
        mkdirSync(out, { recursive: true });
        // What the old Makefile re-read after `|| true`.
        writeFileSync(join(out, 'fuzz.result'), '  fuzz: 1 passed, 0 failed (Done 1000 runs)\n');
        const r = cTests(`fuzz=make -s --no-print-directory -C dataplane fuzz-smoke B=${out} FUZZ_CC=${cc}`);
        expect(r.code).to.not.equal(0);
        expect(r.lastLine).to.equal('0 passed, 1 failed, 0 skipped');
        expect(r.out).to.match(/fuzz: 0 passed, 1 failed, 0 skipped \(exit status 2\)/);
        expect(r.out).to.not.match(/1 passed/);
      });
    }
  });

  describe('mocha areas (scripts/lib/test-runner.sh, sourced by scripts/test.sh)', () => {
    it('finds tests two folders deep and counts pending and this.skip() tests as skipped', () => {
      const r = areas(testDir, { TEST_AREAS: 'nested' });
      expect(r.code, r.out).to.equal(0);
      expect(r.lastLine).to.equal('2 passed, 0 failed, 2 skipped');
    });

    it('counts failing tests and names the failed suite', () => {
      const r = areas(testDir, { TEST_AREAS: 'bad nested' });
      expect(r.code).to.equal(1);
      expect(r.out).to.contain('failed suites: mocha bad');
      expect(r.lastLine).to.equal('3 passed, 1 failed, 2 skipped');
    });

    it('counts an area that does not load (mocha exits non-zero, no summary) as failed', () => {
      const r = areas(testDir, { TEST_AREAS: 'broken' });
      expect(r.code).to.equal(1);
      expect(r.out).to.match(/FAILED: mocha broken exited with status [1-9]/);
      expect(r.lastLine).to.equal('0 passed, 1 failed, 0 skipped');
    });

    it('refuses an unknown area name before running anything, listing the known areas', () => {
      const r = areas(testDir, { TEST_AREAS: 'nested nosuch' });
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('unknown area(s): nosuch');
      expect(r.err).to.match(/areas with \*\.test\.ts under .*: bad broken hang nested\)$/m);
      expect(r.out).to.not.contain('=== mocha');
      expect(r.lastLine).to.equal('0 passed, 1 failed, 0 skipped');
    });

    it('refuses an area without tests (a folder of helpers only)', () => {
      const r = areas(testDir, { TEST_AREAS: 'empty' });
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('unknown area(s): empty');
    });

    it('kills a hanging area at its time limit, its process group with it, and fails naming the area', () => {
      const pidFile = join(root, 'hang-child.pid');
      const r = areas(testDir, { TEST_AREAS: 'hang nested', TEST_AREA_TIMEOUT: '4' });
      expect(r.code).to.equal(1);
      expect(r.out).to.contain('TIMEOUT: mocha hang ran longer than its limit of 4 s (TEST_AREA_TIMEOUT); its process group was killed');
      expect(r.out).to.contain('failed suites: mocha hang');
      // The next area still ran.
      expect(r.lastLine).to.equal('2 passed, 1 failed, 2 skipped');
      expect(r.seconds).to.be.below(30);
      const child = Number(readFileSync(pidFile, 'utf8'));
      expect(running(child), `child ${child} of the hanging area`).to.equal(false);
    });
  });

  describe('npm test itself (scripts/test.sh)', () => {
    it('stops on a mistyped TEST_AREAS before the set-up, exit code 2', () => {
      const r = sh(['scripts/test.sh'], { TEST_AREAS: 'unit untis' }, 30_000);
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('unknown area(s): untis');
      expect(r.out).to.not.contain('setup:');
      expect(r.lastLine).to.equal('0 passed, 1 failed, 0 skipped');
    });
  });

  describe('zebra plugin C test (make -C zebra-plugin test)', () => {
    it('counts tests, not CHECKs', () => {
      const r = sh(['-c', 'make -s -C zebra-plugin build/test_encode >/dev/null && zebra-plugin/build/test_encode'], {}, 120_000);
      expect(r.code, r.out).to.equal(0);
      const perTest = r.out.split('\n').filter((l) => /^(ok {2}|FAIL) \w+$/.test(l));
      const m = /^(\d+) passed, (\d+) failed$/.exec(r.lastLine);
      expect(m, r.lastLine).to.not.equal(null);
      expect(Number(m![1]) + Number(m![2])).to.equal(perTest.length);
      const checks = (readFileSync(join(REPO, 'zebra-plugin/test/test_encode.c'), 'utf8').match(/\bCHECK\(/g) ?? []).length;
      expect(perTest.length).to.be.above(0).and.below(checks);
    });
  });
});

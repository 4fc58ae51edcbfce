// A fresh clone (issue 9): `npm install` must leave the committed package-lock.json as it is (a clone stays
// clean), and `npm run build` before `npm run setup` must say what is missing instead of failing silently.
// Both run the real files (package.json, package-lock.json, .npmrc, scripts/setup.sh and setup.d/) in a
// temporary copy; npm resolves from its local cache only (--offline: the set-up's install filled it).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('fresh clone: stable lock, set-up steps that say what is missing', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-fresh-clone-'));
    for (const f of ['package.json', 'package-lock.json', '.npmrc']) cpSync(join(REPO, f), join(dir, f));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('npm install leaves package-lock.json byte for byte as committed', () => {
    const r = spawnSync('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).to.equal(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
  });

  it('npm run build without npm dependencies names them and the step, exit code non-zero', () => {
    cpSync(join(REPO, 'scripts'), join(dir, 'scripts'), { recursive: true });
    const r = spawnSync('bash', [join(dir, 'scripts/setup.sh'), '--build-only'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GW_CACHE: join(dir, 'cache') },
    });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.contain('npm dependencies are not installed (node_modules/.bin/node-gyp missing); run `npm run setup`');
    expect(r.stderr).to.contain('setup: 10-npm failed');
    expect(r.stdout).to.not.contain('setup: 30-dataplane-c');
  });
});

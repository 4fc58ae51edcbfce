import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('OpenAPI contract', () => {
  it('generated TypeScript types are up to date with openapi/gateway.yaml', function () {
    this.timeout(60000);
    const dir = mkdtempSync(join(tmpdir(), 'gwmg-spec-'));
    try {
      const out = join(dir, 'openapi.gen.ts');
      execFileSync(process.execPath, ['node_modules/openapi-typescript/bin/cli.js', 'openapi/gateway.yaml', '-o', out], { stdio: 'pipe' });
      const fresh = readFileSync(out, 'utf8');
      const committed = readFileSync('agent/src/api/openapi.gen.ts', 'utf8');
      expect(committed === fresh, 'stale: run npx openapi-typescript openapi/gateway.yaml -o agent/src/api/openapi.gen.ts').to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

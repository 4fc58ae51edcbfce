// docs/management.md "Auth by transport": TCP without tokens is refused at boot unless anonymousReads. A real
// daemon with FRR as a consumer: the refusal comes before anything starts (no FRR daemon of the instance ever
// runs, no API socket), with an error naming the field; the same boot file with anonymousReads serves status
// reads over TCP (not the config) and still refuses writes there, also to a read-scope token.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { call } from './http.ts';
import { ROOT, killLeftover, startDaemon, type DaemonHandle } from './harness.ts';

const NAME = 'tcptok';
const DIR = `/tmp/gwmg-${NAME}`;
const INSTANCE = `gwmg-${NAME}`;
const FRR_RUN = `/var/run/frr/${INSTANCE}`;
const PORT = 42483;
const FRR = { plugin: false, daemons: ['bgpd'] };
const READ = 'gwmg-tcptok-read-0123456789';

describe('API over TCP without tokens', () => {
  let d: DaemonHandle | undefined;
  after(async () => {
    await d?.stop();
    rmSync(FRR_RUN, { recursive: true, force: true });
  });

  it('refuses to boot before starting anything, naming api.listen', function () {
    this.timeout(90_000);
    killLeftover(DIR);
    rmSync(DIR, { recursive: true, force: true });
    rmSync(FRR_RUN, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    const boot = join(DIR, 'boot.yaml');
    writeFileSync(boot, stringify({ instance: INSTANCE, runDir: join(DIR, 'run'), stateDir: join(DIR, 'state'), frr: FRR, api: { listen: `127.0.0.1:${PORT}` } }));
    const r = spawnSync(join(ROOT, 'bin/vpc-gatewayd'), ['--config', boot], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stdout + r.stderr).to.equal(1);
    const fatal = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; err?: { code?: string; path?: string; message?: string } })
      .find((l) => l.level === 60);
    expect(fatal?.err, r.stdout).to.include({ code: 'BOOT_CONFIG_INVALID', path: 'api.listen' });
    expect(fatal?.err?.message).to.match(/TCP needs api\.tokens .* or anonymousReads: true/);
    // zebra creates its pid file and vty socket there at start: nothing of FRR ran for a refused boot.
    expect(existsSync(FRR_RUN), `${FRR_RUN} exists: FRR was started before the refusal`).to.equal(false);
    expect(existsSync(join(DIR, 'run', 'api.sock'))).to.equal(false);
  });

  it('with anonymousReads the same boot serves status reads over TCP, not the config, and refuses writes there', async function () {
    this.timeout(90_000);
    const tokens = [{ name: 'viewer', token: READ, scope: 'read' }];
    d = await startDaemon(NAME, { frr: FRR, api: { listen: `127.0.0.1:${PORT}`, anonymousReads: true, tokens } });
    // The oracle of the refusal test: a booted daemon does have FRR's run directory.
    expect(existsSync(join(FRR_RUN, 'zebra.pid'))).to.equal(true);
    const tcp = { host: '127.0.0.1', port: PORT };
    expect((await call(tcp, 'GET', '/v1/status')).status).to.equal(200);
    expect((await call(tcp, 'GET', '/metrics')).status).to.equal(200);
    // Anonymous readers see no configuration (issue 10): the document, the audit, FRR's rendered config.
    for (const p of ['/v1/config', '/v1/audit', '/v1/frr/config']) expect((await call(tcp, 'GET', p)).body.code, p).to.equal('UNAUTHORIZED');
    // A read-scope token from the boot file reads it, and still cannot write.
    const R = { authorization: `Bearer ${READ}` };
    const cfg = (await call(tcp, 'GET', '/v1/config', undefined, R)).body;
    expect(cfg.generation).to.be.a('number');
    const w = await call(tcp, 'PUT', '/v1/config', cfg.spec, { 'if-match': `"${cfg.generation}"` });
    expect(w.status).to.equal(401);
    expect(w.body.code).to.equal('UNAUTHORIZED');
    const r = await call(tcp, 'PUT', '/v1/config', cfg.spec, { ...R, 'if-match': `"${cfg.generation}"` });
    expect(r.status).to.equal(403);
    expect(r.body.code).to.equal('INSUFFICIENT_SCOPE');
  });
});

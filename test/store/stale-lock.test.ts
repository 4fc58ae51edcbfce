// A real agent killed with -9 leaves its pid file in the state directory: the next agent on that directory
// must boot (the pid is dead), serve the generations the dead one stored, and hold the lock itself.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../api/http.ts';
import { ALL_FEATURES, startDaemon, type DaemonHandle } from '../api/harness.ts';

const BOOT = { config: { acceptUnrealized: ALL_FEATURES } };

describe('state lock after kill -9 of a real agent', () => {
  let d: DaemonHandle | undefined;
  after(async () => d?.stop());

  it('the restarted agent takes over the dead agent\'s pid file and keeps its generations', async () => {
    d = await startDaemon('stalelock', BOOT);
    const pidFile = join(d.dir, 'state', 'agent.pid');
    const first = d.proc.pid!;
    // bin/vpc-gatewayd execs node: the daemon's pid is the one in the pid file.
    expect(Number(readFileSync(pidFile, 'utf8'))).to.equal(first);
    const base = (await call({ socket: d.socket }, 'GET', '/v1/config')).body.spec;
    base.gateway.name = 'before-kill';
    expect((await call({ socket: d.socket }, 'PUT', '/v1/config', base, { 'if-match': '"0"' })).status).to.equal(200);
    await d.kill9();
    expect(Number(readFileSync(pidFile, 'utf8')), 'kill -9 leaves the pid file').to.equal(first);
    expect(existsSync(`/proc/${first}`)).to.equal(false);
    d = await startDaemon('stalelock', BOOT, false);
    expect(Number(readFileSync(pidFile, 'utf8'))).to.equal(d.proc.pid);
    const cur = (await call({ socket: d.socket }, 'GET', '/v1/config')).body;
    expect(cur.generation).to.equal(1);
    expect(cur.spec.gateway.name).to.equal('before-kill');
    await d.stop();
    expect(existsSync(pidFile), 'a clean stop releases the lock').to.equal(false);
  });
});

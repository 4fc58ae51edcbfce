// kill -9 of the agent in the middle of a stream of writes: every write the API acknowledged is in the store
// after restart, and the restarted agent applies the newest generation.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { call, waitFor } from '../api/http.ts';
import { ALL_FEATURES, ROOT, startDaemon, type DaemonHandle } from '../api/harness.ts';

const BOOT = { config: { acceptUnrealized: ALL_FEATURES } };

describe('embedded store durability', () => {
  let d: DaemonHandle | undefined;
  after(async () => d?.stop());

  it('refuses a second agent on the same state directory', async () => {
    d = await startDaemon('durable', BOOT);
    const second = spawnSync(join(ROOT, 'bin/vpc-gatewayd'), ['--config', join(d.dir, 'boot.yaml')], { encoding: 'utf8', timeout: 60000 });
    expect(second.status).to.equal(1);
    expect(second.stdout).to.match(/another agent \(pid \d+\) uses \/tmp\/gwmg-durable\/state/);
    // The first one is untouched and still serving.
    expect((await call({ socket: d.socket }, 'GET', '/v1/status')).status).to.equal(200);
    await d.stop();
  });

  it('loses no acknowledged write across three kill -9 during writes', async () => {
    d = await startDaemon('durable', BOOT);
    // The VPC needs a VTEP; one setup write.
    const base = (await call({ socket: d.socket }, 'GET', '/v1/config')).body.spec;
    base.gateway.vtep = { ip: '10.0.0.1', mac: '02:00:00:00:00:01' };
    let gen = (await call({ socket: d.socket }, 'PUT', '/v1/config', base, { 'if-match': '"0"' })).body.generation as number;
    expect(gen).to.equal(1);
    const acked: { generation: number; vpc: string }[] = [];
    let n = 0;
    for (let round = 0; round < 3; round++) {
      const sock = d.socket;
      // A writer streams VPC creations; the kill lands while one is in flight (acknowledged or not).
      let stop = false;
      const writer = (async () => {
        while (!stop) {
          const name = `v${n}`;
          const vpc = { name, id: `i${n}`, vni: 1000 + n, subnets: [{ name: 's', cidr: `10.${Math.floor(n / 200)}.${n % 200}.0/24` }] };
          n++;
          let r;
          try {
            r = await call({ socket: sock }, 'PUT', `/v1/vpcs/${name}`, vpc, { 'if-match': `"${gen}"` });
          } catch {
            return; // connection cut by the kill: not acknowledged
          }
          if (r.status !== 200) throw new Error(`write ${name}: ${r.status} ${r.text}`);
          gen = r.body.generation;
          acked.push({ generation: gen, vpc: name });
        }
      })();
      let failed: unknown;
      writer.catch((e: unknown) => (failed = e));
      const target = acked.length + 15 + round * 5;
      await waitFor('writes acknowledged', () => {
        if (failed) throw failed;
        return acked.length >= target;
      });
      await d.kill9();
      stop = true;
      await writer;
      d = await startDaemon('durable', BOOT, false);
      const cur = (await call({ socket: d.socket }, 'GET', '/v1/config')).body;
      // An unacknowledged write may or may not have landed; an acknowledged one must have.
      expect(cur.generation).to.be.at.least(acked.at(-1)!.generation);
      gen = cur.generation;
      const names = new Set(cur.spec.vpcs.map((v: { name: string }) => v.name));
      for (const a of acked) expect(names.has(a.vpc), `acknowledged ${a.vpc} (generation ${a.generation}) lost`).to.equal(true);
      const st = (await call({ socket: d.socket }, 'GET', '/v1/status')).body;
      expect(st).to.include({ observedGeneration: gen, state: 'ok' });
    }
    expect(acked.length).to.be.at.least(45);
    // Each acknowledged generation is still readable as it was written.
    const last = acked.at(-1)!;
    const h = (await call({ socket: d.socket }, 'GET', `/v1/config/history/${last.generation}`)).body;
    expect(h.spec.vpcs.at(-1).name).to.equal(last.vpc);
  });
});

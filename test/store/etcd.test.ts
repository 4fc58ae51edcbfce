// Two agents sharing one etcd store: same generations, CAS between them, degraded (writes refused, last
// applied generation kept) while etcd is down, recovery when it returns.
import { expect } from 'chai';
import { call, waitFor, type Reply } from '../api/http.ts';
import { ALL_FEATURES, startDaemon, type DaemonHandle } from '../api/harness.ts';
import { ETCD_URL, EtcdServer } from './etcd-server.ts';

describe('etcd store shared by two agents', () => {
  const etcd = new EtcdServer();
  let a: DaemonHandle;
  let b: DaemonHandle;
  let c: DaemonHandle | undefined;
  const prefix = `/gwmg-test/${process.pid}-${Date.now()}`;
  const boot = { config: { acceptUnrealized: ALL_FEATURES }, store: { kind: 'etcd', endpoints: [ETCD_URL], prefix, timeoutMs: 500, probeIntervalMs: 200 } };
  const get = (d: DaemonHandle | undefined, path: string): Promise<Reply> => call({ socket: d!.socket }, 'GET', path);
  const putVpc = (d: DaemonHandle, n: number, etag: number): Promise<Reply> =>
    call({ socket: d.socket }, 'PUT', `/v1/vpcs/v${n}`, { name: `v${n}`, id: `i${n}`, vni: 100 + n, subnets: [{ name: 's', cidr: `10.${n}.0.0/24` }] }, { 'if-match': `"${etag}"` });
  const generationOf = async (d: DaemonHandle): Promise<number> => (await get(d, '/v1/status')).body.observedGeneration;

  before(async () => {
    await etcd.start(true);
    a = await startDaemon('etcd-a', boot);
    b = await startDaemon('etcd-b', boot);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await etcd.stop();
  });

  it('a write through one agent is applied by the other with the same generation', async () => {
    const base = (await get(a, '/v1/config')).body.spec;
    base.gateway.vtep = { ip: '10.0.0.1', mac: '02:00:00:00:00:01' };
    expect((await call({ socket: a.socket }, 'PUT', '/v1/config', base, { 'if-match': '"0"' })).status).to.equal(200);
    await waitFor('b applies generation 1', async () => (await generationOf(b)) === 1);
    expect((await putVpc(b, 1, 1)).body.generation).to.equal(2);
    await waitFor('a applies generation 2', async () => (await generationOf(a)) === 2);
    expect((await get(a, '/v1/config')).body).to.deep.equal((await get(b, '/v1/config')).body);
    expect((await get(a, '/v1/config/history')).body.items.map((i: { generation: number }) => i.generation)).to.deep.equal([2, 1]);
  });

  it('of two agents writing on the same generation exactly one wins (CAS on the revision)', async () => {
    const [ra, rb] = await Promise.all([putVpc(a, 2, 2), putVpc(b, 3, 2)]);
    expect([ra.status, rb.status].sort()).to.deep.equal([200, 412]);
    const loser = ra.status === 412 ? ra : rb;
    expect(loser.body).to.include({ code: 'STALE_GENERATION', currentGeneration: 3 });
    // The losing agent caught up while answering: a re-read right away shows the winner's generation.
    expect((await get(ra.status === 412 ? a : b, '/v1/config')).body.generation).to.equal(3);
    await waitFor('both at generation 3', async () => (await generationOf(a)) === 3 && (await generationOf(b)) === 3);
  });

  it('etcd down: agents degraded, writes refused, generation 3 stays in force; back: writes accepted, late agent catches up', async () => {
    await etcd.stop();
    for (const d of [a, b]) {
      await waitFor('degraded', async () => (await get(d, '/v1/status')).body.state === 'degraded');
      const s = (await get(d, '/v1/status')).body;
      expect(s.store).to.include({ kind: 'etcd', healthy: false });
      expect(s.observedGeneration).to.equal(3);
      const r = await putVpc(d, 9, 3);
      expect(r.status).to.equal(503);
      expect(r.body.code).to.equal('STORE_UNAVAILABLE');
      // Reads of the desired state keep working from what the agent knows.
      expect((await get(d, '/v1/config')).body.generation).to.equal(3);
      expect((await get(d, '/metrics')).text).to.include('gw_config_store_healthy{store="etcd"} 0');
    }
    // An agent booting while etcd is down serves its API degraded and catches up when etcd returns.
    c = await startDaemon('etcd-c', boot);
    expect((await get(c, '/v1/status')).body).to.include({ state: 'degraded', observedGeneration: 0 });
    await etcd.start(false);
    await waitFor('a healthy again', async () => (await get(a, '/v1/status')).body.state === 'ok', 20000);
    expect((await putVpc(a, 9, 3)).body.generation).to.equal(4);
    await waitFor('b follows to 4', async () => (await generationOf(b)) === 4, 20000);
    await waitFor('c catches up to 4', async () => (await generationOf(c!)) === 4, 20000);
    expect((await get(c, '/v1/config')).body).to.deep.equal((await get(a, '/v1/config')).body);
  });
});

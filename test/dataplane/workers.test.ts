// Integration: two DPDK workers (workerCores [1, 0]: on a 2-core machine the second worker shares the control
// core). Each port has one rx queue polled by one worker, physical ports spread over the workers first; so a
// one-way stream is carried by the worker of its ingress port, the opposite stream by the other one, and a
// flow's packets keep their order. Route writes from the desired-state document run while both workers forward.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { call } from '../api/http.ts';
import {
  type Daemon,
  type Lab,
  bootYaml,
  counters,
  createLab,
  destroyLab,
  killStale,
  labNames,
  must,
  nsExec,
  startDaemon,
  stopDaemon,
  until,
} from './lab.ts';

const PREFIX = 'gwrt-w';

/** Receives UDP on port 9000 until 2 s pass without a packet; prints {n, inOrder}. */
const RECEIVER = `
import socket, json, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 9000)); s.settimeout(15)
seqs = []
try:
    while True:
        seqs.append(struct.unpack('!I', s.recv(64)[:4])[0]); s.settimeout(2)
except socket.timeout:
    pass
print(json.dumps({'n': len(seqs), 'inOrder': seqs == sorted(seqs), 'distinct': len(set(seqs))}))
`;
/** Sends argv[2] numbered datagrams to argv[1]:9000, one every argv[3] seconds. */
const SENDER = `
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(struct.pack('!I', i) + b'x' * 60, (sys.argv[1], 9000)); time.sleep(float(sys.argv[3]))
`;

interface Stream { n: number; inOrder: boolean; distinct: number }

/** One numbered UDP stream from namespace `from` to `to`'s address dst; resolves with what `to` received. */
async function stream(from: string, to: string, dst: string, n: number, gapS: number): Promise<Stream> {
  const rx = nsExec(to, ['python3', '-c', RECEIVER], { timeoutMs: 120_000 });
  await until('receiver bound', async () => (await nsExec(to, ['ss', '-Hlun', 'sport = :9000'])).out.includes(':9000'), 15_000, 50);
  const tx = await nsExec(from, ['python3', '-c', SENDER, dst, String(n), String(gapS)], { timeoutMs: 120_000 });
  if (tx.code !== 0) throw new Error(`sender: ${tx.err}`);
  const r = await rx;
  if (r.code !== 0) throw new Error(`receiver: ${r.err}`);
  return JSON.parse(r.out) as Stream;
}

const busy = async (d: Daemon): Promise<number[]> => (await counters(d)).workers.map((w) => Number(w.busyPolls));

describe('dataplane: two workers (per-port rx, route writes under traffic on both)', function () {
  let lab: Lab;
  let d: Daemon | undefined;

  before(async function () {
    await killStale(PREFIX);
    lab = await createLab(PREFIX);
    await must('ip', ['-n', lab.nsB, 'addr', 'add', '10.9.0.2/32', 'dev', 'lo']);
    await must('ip', ['-n', lab.nsA, 'addr', 'add', '10.8.0.2/32', 'dev', 'lo']);
    d = await startDaemon(lab, {}, { boot: (dir) => bootYaml(lab, dir).replace('workerCores: [1]', 'workerCores: [1, 0]') });
    await until('ping A -> B', async () => (await nsExec(lab.nsA, ['ping', '-c1', '-W1', '10.0.2.2'])).code === 0, 20_000, 200);
    await until('ping B -> A', async () => (await nsExec(lab.nsB, ['ping', '-c1', '-W1', '10.0.1.2'])).code === 0, 20_000, 200);
  });

  after(async function () {
    await stopDaemon(d, 'SIGKILL');
    await destroyLab(labNames(PREFIX));
    await killStale(PREFIX);
  });

  it('runs two worker threads, one on each configured core', () => {
    const pid = d!.child.pid!;
    const cpus: string[] = [];
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const st = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      if (/^Name:\s+rte-worker/m.test(st)) cpus.push(/^Cpus_allowed_list:\s+(.*)$/m.exec(st)![1]!);
    }
    expect(cpus.sort()).to.deep.equal(['0', '1']);
  });

  it("carries each direction's stream on the worker of its ingress port, in order, and both workers work", async () => {
    const b0 = await busy(d!);
    const ab = await stream(lab.nsA, lab.nsB, '10.0.2.2', 2000, 0.0005);
    const b1 = await busy(d!);
    const ba = await stream(lab.nsB, lab.nsA, '10.0.1.2', 2000, 0.0005);
    const b2 = await busy(d!);
    expect(ab).to.deep.equal({ n: 2000, inOrder: true, distinct: 2000 });
    expect(ba).to.deep.equal({ n: 2000, inOrder: true, distinct: 2000 });
    const abBusy = b1.map((v, i) => v - b0[i]!);
    const baBusy = b2.map((v, i) => v - b1[i]!);
    expect(abBusy).to.have.length(2);
    // the worker that polls eth1 carried A -> B; the other one, which polls eth2, carried B -> A
    const ab0 = abBusy.indexOf(Math.max(...abBusy));
    const ba0 = baBusy.indexOf(Math.max(...baBusy));
    expect(ab0, `busy polls A->B ${abBusy}, B->A ${baBusy}`).to.not.equal(ba0);
    expect(Math.min(...abBusy), `busy polls A->B ${abBusy}`).to.be.below(Math.max(...abBusy) / 4);
    expect(Math.min(...baBusy), `busy polls B->A ${baBusy}`).to.be.below(Math.max(...baBusy) / 4);
  });

  it('loses nothing and keeps order in both directions while the document rewrites 500 routes ten times', async () => {
    const put = async (spec: object): Promise<void> => {
      const etag = String((await call({ socket: d!.socket }, 'GET', '/v1/config')).headers.etag);
      const r = await call({ socket: d!.socket }, 'PUT', '/v1/config', spec, { 'if-match': etag });
      if (r.status >= 300) throw new Error(`PUT /v1/config: ${r.status} ${JSON.stringify(r.body)}`);
    };
    const spec = (await call({ socket: d!.socket }, 'GET', '/v1/config')).body.spec as Record<string, unknown>;
    // the streams' own destinations are document routes that every generation keeps; 500 /32s come and go
    const stable = [
      { prefix: '10.9.0.0/16', nexthops: [{ ip: '10.0.2.2' }] },
      { prefix: '10.8.0.0/16', nexthops: [{ ip: '10.0.1.2' }] },
    ];
    const churn = (g: number) => Array.from({ length: 500 }, (_, i) => ({ prefix: `10.${100 + (g % 2)}.${i >> 8}.${i & 255}/32`, nexthops: [{ ip: g % 2 ? '10.0.2.2' : '10.0.1.2' }] }));
    await put({ ...spec, staticRoutes: stable });
    await until('ping A -> 10.9.0.2', async () => (await nsExec(lab.nsA, ['ping', '-c1', '-W1', '10.9.0.2'])).code === 0, 10_000, 200);
    const dropsBefore = await totalDrops(d!);
    const b0 = await busy(d!);
    let writes = 0;
    let done = false;
    const writer = (async () => {
      for (let g = 0; !done || writes < 10; g++) {
        await put({ ...spec, staticRoutes: [...stable, ...churn(g)] });
        writes++;
        if (writes >= 40) break;
      }
    })();
    const [ab, ba] = await Promise.all([
      stream(lab.nsA, lab.nsB, '10.9.0.2', 3000, 0.001),
      stream(lab.nsB, lab.nsA, '10.8.0.2', 3000, 0.001),
    ]);
    done = true;
    await writer;
    const b1 = await busy(d!);
    expect(writes).to.be.at.least(10);
    expect(ab).to.deep.equal({ n: 3000, inOrder: true, distinct: 3000 });
    expect(ba).to.deep.equal({ n: 3000, inOrder: true, distinct: 3000 });
    expect(b1.every((v, i) => v - b0[i]! > 100), `busy polls ${b0} -> ${b1}`).to.equal(true);
    expect(await totalDrops(d!)).to.deep.equal(dropsBefore);
    // the last generation is in the FIB
    const routes = (await call({ socket: d!.socket }, 'GET', '/v1/dataplane/routes?vrf=0&page_size=10000')).body as { items: { prefix: string }[] };
    expect(routes.items.filter((r) => /^10\.10[01]\./.test(r.prefix))).to.have.length(500);
  });
});

/** Every drop reason of every port, summed (routing drops would show a gap in the tables while they change). */
async function totalDrops(d: Daemon): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of (await counters(d)).ports) for (const [k, v] of Object.entries(p.drops)) out[k] = (out[k] ?? 0) + Number(v);
  return out;
}

// Integration: host A — vpc-gatewayd (DPDK af_xdp ports on veths, kernel forwarding off) — host B. The daemon
// runs as a child process (EAL once per process). Asserts what an operator would check: ping and TCP pass,
// the worker counters prove DPDK carried them, the gateway's own address answers through the punt path, an
// idle gateway costs almost no CPU, and SIGTERM leaves nothing behind.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Daemon,
  type Lab,
  ROOT,
  apiText,
  bootYaml,
  counters,
  cpuSeconds,
  createLab,
  destroyLab,
  killStale,
  labNames,
  must,
  nsExec,
  portCounters,
  sh,
  startDaemon,
  stopDaemon,
  until,
} from './lab.ts';

const PREFIX = 'gwrt-f';

/** CPU seconds per thread name, for diagnosing idle cost. */
function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    out[`${name}/${t}`] = (Number(f[11]) + Number(f[12])) / 100;
  }
  return out;
}

describe('dataplane forwarding through vpc-gatewayd (netns, af_xdp)', function () {
  let lab: Lab;
  let d: Daemon | undefined;

  before(async function () {
    await killStale(PREFIX);
    lab = await createLab(PREFIX);
    d = await startDaemon(lab);
  });

  after(async function () {
    await stopDaemon(d, 'SIGKILL');
    await destroyLab(labNames(PREFIX));
    await killStale(PREFIX);
  });

  it('keeps kernel forwarding off on the gateway (every routed packet must cross DPDK)', async () => {
    expect((await must('ip', ['netns', 'exec', lab.nsG, 'sysctl', '-n', 'net.ipv4.ip_forward'])).trim()).to.equal('0');
  });

  it('pins the worker to its core and every other thread (V8, libuv, EAL control) to the control core', () => {
    const pid = d!.child.pid!;
    const affinity = new Map<string, string>();
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const st = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      const name = /^Name:\s+(.*)$/m.exec(st)![1]!;
      affinity.set(`${name}/${t}`, /^Cpus_allowed_list:\s+(.*)$/m.exec(st)![1]!);
    }
    const workers = [...affinity].filter(([k]) => k.startsWith('rte-worker'));
    expect(workers.map(([, v]) => v)).to.deep.equal(['1']);
    const others = [...affinity].filter(([k]) => !k.startsWith('rte-worker'));
    expect(others.length).to.be.above(5);
    expect(others.filter(([, v]) => v !== '0'), 'threads not on the control core').to.deep.equal([]);
  });

  it('puts the port address and MAC on the punt taps', async () => {
    const taps = JSON.parse(await must('ip', ['-n', lab.nsG, '-j', 'addr', 'show', 'dev', lab.tapA])) as {
      address: string;
      addr_info: { local: string; prefixlen: number }[];
    }[];
    const veth = JSON.parse(await must('ip', ['-n', lab.nsG, '-j', 'link', 'show', 'dev', lab.gA])) as { address: string }[];
    expect(taps[0]!.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).to.include('10.0.1.1/24');
    expect(taps[0]!.address).to.equal(veth[0]!.address);
  });

  it('routes ping from A to B; neighbors are learned from the kernel and worker counters show the packets', async () => {
    // The first packets towards B miss the neighbor: they are dropped, counted, and make the kernel resolve.
    await until('first ping through the gateway', async () => (await nsExec(lab.nsA, ['ping', '-c1', '-W1', '10.0.2.2'])).code === 0, 20_000, 200);
    const before = await counters(d!);
    const r = await nsExec(lab.nsA, ['ping', '-c', '50', '-i', '0.01', '-W', '1', '10.0.2.2']);
    expect(r.out, r.out).to.match(/50 packets transmitted, 50 received/);
    const after = await counters(d!);
    const delta = (name: string, k: 'rxPackets' | 'txPackets') => BigInt(portCounters(after, name)[k]) - BigInt(portCounters(before, name)[k]);
    // 50 echo requests in on eth1 and out on eth2, 50 replies the other way (plus maybe an ARP refresh).
    expect(Number(delta('eth1', 'rxPackets'))).to.be.within(50, 60);
    expect(Number(delta('eth2', 'txPackets'))).to.be.within(50, 60);
    expect(Number(delta('eth2', 'rxPackets'))).to.be.within(50, 60);
    expect(Number(delta('eth1', 'txPackets'))).to.be.within(50, 60);
    expect(after.ports.reduce((s, p) => s + BigInt(p.drops.neigh_miss ?? '0'), 0n) > 0n, 'neighbor misses counted').to.equal(true);
  });

  it('shows neighbor misses and kernel resolutions on /metrics', async () => {
    const text = await apiText(d!, '/metrics');
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? -1);
    expect(value(/^gw_dp_runtime_neighbor_miss_events_total(?:\{[^}]*\})? (\d+)/m)).to.be.at.least(1);
    expect(value(/^gw_dp_runtime_neighbor_resolutions_total(?:\{[^}]*\})? (\d+)/m)).to.be.at.least(1);
    expect(value(/^gw_dp_drops_total\{[^}]*reason="neigh_miss"[^}]*\} (\d+)/m)).to.be.at.least(1);
  });

  it('answers TTL 1 with ICMP time exceeded from the port address it was configured with', async () => {
    const r = await nsExec(lab.nsA, ['ping', '-c1', '-W2', '-t1', '10.0.2.2']);
    expect(r.out).to.match(/From 10\.0\.1\.1 .*Time to live exceeded/);
  });

  it('routes IPv6 ping from A to B (ND resolved by the kernel over the taps)', async () => {
    await until('first IPv6 ping through the gateway', async () => (await nsExec(lab.nsA, ['ping', '-6', '-c1', '-W1', '2001:db8:2::2'])).code === 0, 20_000, 200);
    const before = await counters(d!);
    const r = await nsExec(lab.nsA, ['ping', '-6', '-c', '20', '-i', '0.01', '-W', '1', '2001:db8:2::2']);
    expect(r.out, r.out).to.match(/20 packets transmitted, 20 received/);
    const after = await counters(d!);
    expect(Number(BigInt(portCounters(after, 'eth2').txPackets) - BigInt(portCounters(before, 'eth2').txPackets))).to.be.within(20, 30);
    expect((await nsExec(lab.nsG, ['sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).out.trim()).to.equal('0');
  });

  it('carries a 20 MB TCP transfer from A to B byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-tcp-`));
    const sent = join(dir, 'sent');
    const recv = join(dir, 'recv');
    writeFileSync(sent, randomBytes(20 * 1024 * 1024));
    const server = spawn('ip', ['netns', 'exec', lab.nsB, 'socat', '-u', 'TCP-LISTEN:5211,bind=10.0.2.2,reuseaddr', `CREATE:${recv}`], { stdio: 'ignore' });
    const done = new Promise((r) => server.on('exit', r));
    try {
      const before = await counters(d!);
      await until('TCP connect to B', async () => (await nsExec(lab.nsA, ['socat', '-u', `FILE:${sent}`, 'TCP:10.0.2.2:5211,connect-timeout=2'], { timeoutMs: 60_000 })).code === 0, 20_000, 300);
      await done;
      const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
      expect(statSync(recv).size).to.equal(20 * 1024 * 1024);
      expect(hash(recv)).to.equal(hash(sent));
      const after = await counters(d!);
      const rxBytes = BigInt(portCounters(after, 'eth1').rxBytes) - BigInt(portCounters(before, 'eth1').rxBytes);
      expect(rxBytes >= 20n * 1024n * 1024n, `eth1 rxBytes delta ${rxBytes}`).to.equal(true);
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('delivers TCP to a listener on the gateway tap address through the punt path', async () => {
    // An echo server inside the gateway namespace, bound to the tap's address.
    const server = spawn('ip', ['netns', 'exec', lab.nsG, 'socat', 'TCP-LISTEN:7777,bind=10.0.1.1,reuseaddr', 'EXEC:/bin/cat'], { stdio: 'ignore' });
    try {
      const before = await counters(d!);
      const out = await until(
        'echo from the gateway',
        async () => {
          const r = await sh('ip', ['netns', 'exec', lab.nsA, 'sh', '-c', 'echo punt-path-ok | socat -t2 - TCP:10.0.1.1:7777,connect-timeout=2']);
          return r.out.includes('punt-path-ok') ? r.out : undefined;
        },
        15_000,
        200,
      );
      expect(out.trim()).to.equal('punt-path-ok');
      const after = await counters(d!);
      expect(BigInt(portCounters(after, 'eth1').puntPackets) - BigInt(portCounters(before, 'eth1').puntPackets) >= 3n).to.equal(true);
    } finally {
      server.kill();
    }
  });

  // The bound is per core: an idle gateway uses under 5% of each of its cores. The worker is alone on
  // its core (asserted above); every other thread of the daemon shares the control core.
  it('uses under 5% of each of its cores when idle, with the worker backing off', async () => {
    const pid = d!.child.pid!;
    // Let the worker reach its longest sleep after the traffic above.
    await new Promise((r) => setTimeout(r, 500));
    const w0 = (await counters(d!)).workers[0]!;
    // The process total comes from one counter (per-thread tick counts round per thread); the worker's own
    // thread is subtracted from it for the control core.
    const th0 = threadCpu(pid);
    const c0 = cpuSeconds(pid);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    const c1 = cpuSeconds(pid);
    const th1 = threadCpu(pid);
    const w1 = (await counters(d!)).workers[0]!;
    const wall = (Date.now() - t0) / 1000;
    let worker = 0;
    for (const [k, v] of Object.entries(th1)) if (k.startsWith('rte-worker-')) worker += v - (th0[k] ?? 0);
    const control = c1 - c0 - worker;
    const detail =
      `worker core ${(worker / wall).toFixed(3)}, control core ${(control / wall).toFixed(3)}; per thread: ` +
      Object.entries(th1).map(([k, v]) => `${k}=${(v - (th0[k] ?? 0)).toFixed(2)}`).join(' ');
    if (process.env.GW_TEST_VERBOSE) console.log(`idle CPU ${detail}`);
    expect(worker / wall, detail).to.be.below(0.05);
    expect(control / wall, detail).to.be.below(0.05);
    expect(BigInt(w1.sleeps) - BigInt(w0.sleeps) > 1000n, 'worker sleeps while idle').to.equal(true);
  });

  it('comes back after a crash (SIGKILL) and forwards again', async () => {
    expect(await stopDaemon(d, 'SIGKILL')).to.equal(null);
    d = await startDaemon(lab);
    await until('ping after restart', async () => (await nsExec(lab.nsA, ['ping', '-c1', '-W1', '10.0.2.2'])).code === 0, 20_000, 200);
  });

  it('fails start with exit 1 and leaves no tap or XDP program behind when a port cannot attach', async () => {
    await stopDaemon(d, 'SIGTERM');
    d = undefined;
    const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-bad-`));
    const yaml = bootYaml(lab, dir).replace(`iface=${lab.gB}`, 'iface=gwrt-nosuchif');
    writeFileSync(join(dir, 'boot.yaml'), yaml);
    const child = spawn(join(ROOT, 'bin/vpc-gatewayd'), ['--config', join(dir, 'boot.yaml')], { stdio: 'ignore' });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).to.equal(1);
    const links = await must('ip', ['-n', lab.nsG, '-d', 'link', 'show']);
    expect(links).to.not.include(lab.tapA);
    expect(links).to.not.match(/prog\/xdp/);
    d = await startDaemon(lab);
  });

  it('stops cleanly on SIGTERM: exit 0, taps and XDP programs gone', async () => {
    const code = await stopDaemon(d, 'SIGTERM');
    d = undefined;
    expect(code).to.equal(0);
    const links = await must('ip', ['-n', lab.nsG, '-d', 'link', 'show']);
    expect(links).to.not.include(lab.tapA);
    expect(links).to.not.include(lab.tapB);
    expect(links).to.not.match(/prog\/xdp|xdpgeneric|xdpdrv/);
  });
});

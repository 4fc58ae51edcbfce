// Benchmark: packets per second through the gateway (vpc-gatewayd, af_xdp on veths, one worker on cpu1) vs
// Linux kernel IPv4 forwarding in the same namespaces, same generator (AF_PACKET on cpu0), same run, 64 B and
// 1500 B frames. A second baseline, dpdk-testpmd in mac mode on the same af_xdp ports and cores, separates the
// cost of the gateway (pipeline + runtime) from the cost of af_xdp over veth. Rounds alternate the three paths
// so host noise hits all of them. Prints a table, or JSON with --json.
//   npx tsx bench/forwarding-veth.ts [--json] [--seconds 4] [--rounds 2]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planHugepages } from '../agent/src/dataplane/hugepages.ts';
import { type Lab, counters, createLab, destroyLab, killStale, labNames, must, nsExec, startDaemon, stopDaemon, until } from '../test/dataplane/lab.ts';

const PREFIX = 'gwrt-b';
const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const JSON_OUT = process.argv.includes('--json');
const SECONDS = arg('--seconds', 4);
const ROUNDS = arg('--rounds', 2);
const SIZES = [
  { label: 64, frame: 60 }, // 64 B on the wire with the FCS
  { label: 1500, frame: 1514 }, // 1500 B IP packets
];

export async function buildGenerator(dir: string): Promise<string> {
  const out = join(dir, 'gen');
  await must('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', out, new URL('./forwarding-veth-gen.c', import.meta.url).pathname]);
  return out;
}

export async function mac(ns: string, dev: string): Promise<string> {
  return (JSON.parse(await must('ip', ['-n', ns, '-j', 'link', 'show', dev])) as { address: string }[])[0]!.address;
}

export async function rxPackets(ns: string, dev: string): Promise<number> {
  const j = JSON.parse(await must('ip', ['-n', ns, '-s', '-j', 'link', 'show', dev])) as { stats64: { rx: { packets: number } } }[];
  return j[0]!.stats64.rx.packets;
}

/** Runs the generator in A (cpu0) towards B through G; returns packets sent and received at B per second. */
export async function blast(l: Lab, gen: string, dstMac: string, frame: number, seconds: number, pps = 0): Promise<{ sent: number; received: number; seconds: number }> {
  const r0 = await rxPackets(l.nsB, l.hB);
  const batch = pps > 0 ? '8' : '64';
  const r = await nsExec(l.nsA, ['taskset', '-c', '0', gen, l.hA, dstMac, '10.0.1.2', '10.0.2.2', String(frame), String(seconds), String(pps), '16', batch], {
    timeoutMs: (seconds + 10) * 1000,
  });
  if (r.code !== 0) throw new Error(`generator: ${r.err}`);
  // Frames still in flight (rings, worker back-off) land within a few ms.
  await new Promise((res) => setTimeout(res, 200));
  const got = (await rxPackets(l.nsB, l.hB)) - r0;
  const g = JSON.parse(r.out) as { sent: number; seconds: number };
  return { sent: g.sent, received: got, seconds: g.seconds };
}

async function kernelOn(l: Lab, hbMac: string): Promise<void> {
  await must('ip', ['-n', l.nsG, 'addr', 'add', '10.0.1.1/24', 'dev', l.gA]);
  await must('ip', ['-n', l.nsG, 'addr', 'add', '10.0.2.1/24', 'dev', l.gB]);
  await must('ip', ['-n', l.nsG, 'neigh', 'replace', '10.0.2.2', 'lladdr', hbMac, 'dev', l.gB, 'nud', 'permanent']);
  await must('ip', ['netns', 'exec', l.nsG, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
}

async function kernelOff(l: Lab): Promise<void> {
  await must('ip', ['netns', 'exec', l.nsG, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
  await must('ip', ['-n', l.nsG, 'addr', 'flush', 'dev', l.gA]);
  await must('ip', ['-n', l.nsG, 'addr', 'flush', 'dev', l.gB]);
}

/** dpdk-testpmd forwarding gA <-> gB (mac mode: rewrites addresses like a router, no lookup). */
async function withTestpmd<T>(l: Lab, haMac: string, hbMac: string, fn: () => Promise<T>): Promise<T> {
  const plan = planHugepages('auto', 512);
  const mem = plan.use ? ['--in-memory', `--huge-dir=${plan.dir}`, '-m', '512'] : ['--no-huge', '--no-shconf', '-m', '512'];
  const child = spawn('ip', [
    'netns', 'exec', l.nsG, 'stdbuf', '-oL', 'dpdk-testpmd', '-l', '0,1', ...mem, '--no-pci', '--no-telemetry', '--log-level=*:error',
    `--vdev=net_af_xdp_tpa,iface=${l.gA}`, `--vdev=net_af_xdp_tpb,iface=${l.gB}`, '--',
    '--forward-mode=mac', `--eth-peer=0,${haMac}`, `--eth-peer=1,${hbMac}`, '--nb-cores=1', '--total-num-mbufs=32768', '--auto-start',
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  try {
    await until('testpmd forwarding', async () => out.includes('Press enter to exit') || undefined, 30_000, 100);
    return await fn();
  } finally {
    child.stdin!.end('\n');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    plan.release();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  await killStale(PREFIX);
  const tmp = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
  const lab = await createLab(PREFIX);
  const res = new Map<number, { kernel: number[]; testpmd: number[]; gateway: number[]; gatewayLoss: number[] }>(
    SIZES.map((s) => [s.label, { kernel: [], testpmd: [], gateway: [], gatewayLoss: [] }]),
  );
  let cpuNote = '';
  try {
    const gen = await buildGenerator(tmp);
    const gaMac = await mac(lab.nsG, lab.gA);
    const hbMac = await mac(lab.nsB, lab.hB);
    const haMac = await mac(lab.nsA, lab.hA);
    for (let round = 0; round < ROUNDS; round++) {
      await kernelOn(lab, hbMac);
      for (const s of SIZES) {
        const r = await blast(lab, gen, gaMac, s.frame, SECONDS);
        res.get(s.label)!.kernel.push(r.received / r.seconds / 1e6);
      }
      await kernelOff(lab);
      await withTestpmd(lab, haMac, hbMac, async () => {
        for (const s of SIZES) {
          const r = await blast(lab, gen, gaMac, s.frame, SECONDS);
          res.get(s.label)!.testpmd.push(r.received / r.seconds / 1e6);
        }
      });
      const d = await startDaemon(lab);
      try {
        await until('B reachable through the gateway', async () => (await nsExec(lab.nsA, ['ping', '-c1', '-W1', '10.0.2.2'])).code === 0, 20_000, 200);
        for (const s of SIZES) {
          const r = await blast(lab, gen, gaMac, s.frame, SECONDS);
          res.get(s.label)!.gateway.push(r.received / r.seconds / 1e6);
          res.get(s.label)!.gatewayLoss.push(1 - r.received / Math.max(1, r.sent));
        }
        const c = await counters(d);
        cpuNote = `worker busy polls ${c.workers[0]?.busyPolls}, idle ${c.workers[0]?.idlePolls}`;
      } finally {
        await stopDaemon(d);
      }
    }
  } finally {
    await destroyLab(labNames(PREFIX));
    rmSync(tmp, { recursive: true, force: true });
    await killStale(PREFIX); // daemon run directories
  }
  const results = SIZES.map((s) => {
    const r = res.get(s.label)!;
    const k = median(r.kernel);
    const t = median(r.testpmd);
    const g = median(r.gateway);
    return {
      frameBytes: s.label,
      kernelMpps: +k.toFixed(3),
      testpmdMpps: +t.toFixed(3),
      gatewayMpps: +g.toFixed(3),
      ratio: +(g / k).toFixed(3),
      ratioToTestpmd: +(g / t).toFixed(3),
      gatewayLossRatio: +median(r.gatewayLoss).toFixed(4),
      samples: r,
    };
  });
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ bench: 'forwarding-veth', baseline: 'linux kernel IPv4 forwarding (ratio); dpdk-testpmd mac mode on the same af_xdp ports (ratioToTestpmd)', seconds: SECONDS, rounds: ROUNDS, results, note: cpuNote })}\n`);
  } else {
    for (const r of results) {
      console.log(
        `${r.frameBytes} B: gateway ${r.gatewayMpps} Mpps, kernel ${r.kernelMpps}, testpmd ${r.testpmdMpps}; ratio to kernel ${r.ratio}, to testpmd ${r.ratioToTestpmd} (gateway loss ${(r.gatewayLossRatio * 100).toFixed(2)}%)`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

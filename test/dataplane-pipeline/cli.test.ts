// `gwctl replay` as an operator runs it: the commander subcommand prints a summary (or JSON with --json)
// and exits 1 with the place of the error on a bad config.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { baseConfig, FROM_A, ReplayBench, scapy, writePcap } from './harness.ts';

const GWCTL = fileURLToPath(new URL('../../agent/src/cli/main.ts', import.meta.url));

function gwctl(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', GWCTL, ...args], { encoding: 'utf8' });
}

describe('gwctl replay', function () {
  const bench = new ReplayBench();
  after(() => bench.cleanup());

  it('runs a pcap through the pipeline and summarises the decisions', () => {
    const pcap = join(bench.dir, 'cli-in.pcap');
    const cfg = join(bench.dir, 'cli-gw.json');
    writeFileSync(cfg, JSON.stringify(baseConfig()));
    const pkts = scapy([
      `${FROM_A}/IP(src='10.0.0.2', dst='10.2.3.4')/UDP()`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.3.3.4')/UDP()`,
      `${FROM_A}/IP(src='10.0.0.2', dst='10.0.0.1')/ICMP()`,
    ]);
    writePcap(pcap, pkts.map((hex, i) => ({ hex, tsNs: 1_000_000_000n + BigInt(i) })));
    const r = gwctl(['--json', 'replay', '-c', cfg, '-i', `eth0=${pcap}`, '-o', join(bench.dir, 'cli-out')]);
    expect(r.status, r.stderr).to.equal(0);
    const s = JSON.parse(r.stdout) as { packets: number; byDecision: Record<string, number> };
    expect(s).to.deep.include({ packets: 3, byDecision: { forward: 1, drop: 1, punt: 1 } });
  });

  it('refuses a bad config with exit code 1 and the place of the error', () => {
    const cfg = join(bench.dir, 'cli-bad.json');
    writeFileSync(cfg, JSON.stringify({ ports: [{ name: 'eth0', mac: 'nope' }] }));
    const r = gwctl(['replay', '-c', cfg, '-i', 'eth0=/dev/null', '-o', join(bench.dir, 'cli-bad-out')]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/REPLAY_INVALID_INPUT: config: ports\[0\]: mac/);
  });
});

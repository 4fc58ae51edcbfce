// Test plumbing for the pipeline suites: packets built/parsed by scapy, pcap files, a gw-replay run in a
// temporary directory named with our prefix (gwpl-), removed after each suite.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runReplay, type PortCountersJson, type ReplayResult } from '../../agent/src/cli/commands/replay.ts';

const SCAPY = fileURLToPath(new URL('./scapy_eval.py', import.meta.url));

export interface ScapyItem {
  expr: string;
  /** hex of a packet bound as `pkt` (Ether) in the expression */
  pkt?: string;
}

/** Evaluates scapy expressions in one python process; returns hex strings. */
export function scapy(items: (string | ScapyItem)[]): string[] {
  const input = JSON.stringify(items.map((i) => (typeof i === 'string' ? { expr: i } : i)));
  const r = spawnSync('/usr/bin/python3', [SCAPY], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`scapy: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

export function writePcap(path: string, pkts: { hex: string; tsNs: bigint }[]): void {
  const parts: Buffer[] = [];
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b23c4d, 0); // nanosecond pcap
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20); // Ethernet
  parts.push(gh);
  for (const p of pkts) {
    const d = Buffer.from(p.hex, 'hex');
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Number(p.tsNs / 1_000_000_000n), 0);
    h.writeUInt32LE(Number(p.tsNs % 1_000_000_000n), 4);
    h.writeUInt32LE(d.length, 8);
    h.writeUInt32LE(d.length, 12);
    parts.push(h, d);
  }
  writeFileSync(path, Buffer.concat(parts));
}

export function readPcap(path: string): string[] {
  const b = readFileSync(path);
  const out: string[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const len = b.readUInt32LE(off + 8);
    out.push(b.subarray(off + 16, off + 16 + len).toString('hex'));
    off += 16 + len;
  }
  return out;
}

export interface Outputs extends ReplayResult {
  /** hex packets per output port ("eth1", "eth0.tap") */
  ports: Record<string, string[]>;
  /** packets written on a port (throws on an unknown port) */
  p(port: string): string[];
  /** counters of a port (throws on an unknown port) */
  c(port: string): PortCountersJson;
}

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`replay output has no ${what}`);
  return v;
}

export class ReplayBench {
  readonly dir = mkdtempSync(join(tmpdir(), 'gwpl-'));
  private run = 0;

  /** inputs: port name -> packets (hex); each port's packets are spaced gapNs apart from the same t0. */
  replay(config: object, inputs: Record<string, string[]>, gapNs = 1000n): Outputs {
    const d = join(this.dir, `r${++this.run}`);
    const cfg = join(this.dir, `cfg${this.run}.json`);
    writeFileSync(cfg, JSON.stringify(config));
    const ins: string[] = [];
    for (const [port, pkts] of Object.entries(inputs)) {
      let t = 1_700_000_000_000_000_000n;
      const f = join(this.dir, `in${this.run}-${port}.pcap`);
      writePcap(
        f,
        pkts.map((hex) => ({ hex, tsNs: (t += gapNs) })),
      );
      ins.push(`${port}=${f}`);
    }
    const r = runReplay({ config: cfg, inputs: ins, outDir: d });
    const ports: Record<string, string[]> = {};
    for (const p of Object.keys(r.counters)) ports[p] = readPcap(join(d, `${p}.pcap`));
    return { ...r, ports, p: (n) => must(ports[n], `port ${n}`), c: (n) => must(r.counters[n], `counters of ${n}`) };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const GW0_MAC = '02:00:00:00:00:01';
export const GW1_MAC = '02:00:00:00:01:01';
export const HOST_A_MAC = '02:00:00:00:00:02';
export const NEXTHOP_MAC = '02:00:00:00:01:02';

/** A replay config route of VRF 0 through a group (replay config entries are the addon's table items). */
export function unicast(prefix: string, group: number): object {
  return { vrf: 0, prefix, target: { kind: 'unicast', group } };
}

/** Two ports: eth0 (host A side, 10.0.0.1, 2001:db8::1) and eth1 (MTU 1400, towards 10.1.0.2). */
export function baseConfig(extra: { routes?: object[]; nexthops?: object[]; groups?: object[]; neighbors?: object[]; icmp?: object } = {}): object {
  return {
    ports: [
      { name: 'eth0', mac: GW0_MAC, mtu: 1500, addresses: ['10.0.0.1', '2001:db8::1'] },
      { name: 'eth1', mac: GW1_MAC, mtu: 1400, addresses: ['10.1.0.1', '2001:db8:1::1'] },
    ],
    nexthops: [
      { id: 1, port: 'eth1', gateway: '10.1.0.2' },
      { id: 2, port: 'eth1', gateway: '2001:db8:1::2' },
      ...(extra.nexthops ?? []),
    ],
    groups: [
      { id: 1, members: [{ nexthop: 1, weight: 1 }] },
      { id: 2, members: [{ nexthop: 2, weight: 1 }] },
      ...(extra.groups ?? []),
    ],
    routes: [
      unicast('10.2.0.0/16', 1),
      unicast('2001:db8:2::/48', 2),
      { vrf: 0, prefix: '10.3.0.0/16', target: { kind: 'blackhole' } },
      { vrf: 0, prefix: '10.4.0.0/16', target: { kind: 'reject' } },
      ...(extra.routes ?? []),
    ],
    neighbors: [
      { port: 'eth1', ip: '10.1.0.2', mac: NEXTHOP_MAC },
      { port: 'eth1', ip: '2001:db8:1::2', mac: NEXTHOP_MAC },
      ...(extra.neighbors ?? []),
    ],
    ...(extra.icmp ? { icmp: extra.icmp } : {}),
  };
}

/** Ethernet header from host A to the gateway's eth0, as a scapy expression prefix. */
export const FROM_A = `Ether(src='${HOST_A_MAC}', dst='${GW0_MAC}')`;

/** a[i], failing the test when absent (arrays from replay outputs) */
export function at<T>(a: T[], i: number): T {
  return must(a[i], `element ${i}`);
}

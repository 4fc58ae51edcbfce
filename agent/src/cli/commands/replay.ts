// `gwctl replay`: runs pcaps through the dataplane pipeline offline (dataplane/out/gw-replay, the same C
// code the lcores run). Local, no daemon: operators debug a packet trace, tests feed packet vectors.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError } from '../output.ts';

export const REPLAY_BIN = fileURLToPath(new URL('../../../../dataplane/out/gw-replay', import.meta.url));

export interface ReplayOptions {
  config: string;
  /** "PORT=file.pcap"; PORT.tap injects from the port's punt tap. */
  inputs: string[];
  outDir: string;
  memoryMb?: number;
}

export type Decision = 'forward' | 'punt' | 'icmp_error' | 'drop';

export interface TraceLine {
  seq: number;
  ts_ns: number;
  in: string;
  stages: string[];
  decision: Decision;
  out: string | null;
  /** Drop reason; for icmp_error the reason the original packet was refused. */
  reason: string | null;
  nexthop: number;
  out_len: number;
  /** Packets that came in decapsulated: the source VPC's VRF, and the destination VRF and peering VPC classify
   *  admitted the packet through (null when it dropped it). */
  vpc?: { srcVrf: number; dstVrf: number | null; peering: number | null };
  /** Packets static NAT / NPTv6 translated: which addresses, and both as they were before. */
  natStatic?: { source: boolean; destination: boolean; origSrc: string; origDst: string };
}

export interface PortCountersJson {
  rx_packets: number;
  tx_packets: number;
  punt_packets: number;
  drops: Record<string, number>;
}

export interface ReplayResult {
  trace: TraceLine[];
  counters: Record<string, PortCountersJson>;
  events: { type: 'neigh_miss'; port: string; ip: string }[];
}

/** Stable error codes: REPLAY_NOT_BUILT, REPLAY_INVALID_INPUT (bad config/pcap, exit 2), REPLAY_FAILED. */
export class ReplayError extends Error {
  constructor(
    readonly code: 'REPLAY_NOT_BUILT' | 'REPLAY_INVALID_INPUT' | 'REPLAY_FAILED',
    message: string,
  ) {
    super(message);
  }
}

function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export function runReplay(o: ReplayOptions): ReplayResult {
  if (!existsSync(REPLAY_BIN)) throw new ReplayError('REPLAY_NOT_BUILT', `${REPLAY_BIN} missing: run scripts/setup.sh`);
  const args = ['--config', o.config, '--out', o.outDir];
  for (const i of o.inputs) args.push('--in', i);
  if (o.memoryMb !== undefined) args.push('--memory', String(o.memoryMb));
  const r = spawnSync(REPLAY_BIN, args, { encoding: 'utf8' });
  if (r.status === 2) throw new ReplayError('REPLAY_INVALID_INPUT', r.stderr.trim());
  if (r.status !== 0) throw new ReplayError('REPLAY_FAILED', r.stderr.trim() || `exit ${String(r.status ?? r.signal)}`);
  return {
    trace: jsonLines<TraceLine>(readFileSync(`${o.outDir}/trace.jsonl`, 'utf8')),
    counters: JSON.parse(readFileSync(`${o.outDir}/counters.json`, 'utf8')) as Record<string, PortCountersJson>,
    events: jsonLines(readFileSync(`${o.outDir}/events.jsonl`, 'utf8')),
  };
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('run pcaps through the dataplane pipeline offline; writes per-port pcaps and trace.jsonl')
    .requiredOption('-c, --config <file>', 'gateway config (JSON: ports, vrfs, nexthops, groups, routes, neighbors, vteps, vnis, tunnels)')
    .requiredOption('-i, --in <port=pcap...>', 'input pcap per ingress port (PORT.tap=file injects from a tap)')
    .requiredOption('-o, --out <dir>', 'output directory')
    .option('--memory <mb>', 'EAL memory (no hugepages)', (v) => Number.parseInt(v, 10))
    .action((opts: { config: string; in: string[]; out: string; memory?: number }, cmd: Command) => {
      try {
        const r = runReplay({ config: opts.config, inputs: opts.in, outDir: opts.out, memoryMb: opts.memory });
        const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
        const byDecision: Record<string, number> = {};
        for (const t of r.trace) byDecision[t.decision] = (byDecision[t.decision] ?? 0) + 1;
        if (json) process.stdout.write(`${JSON.stringify({ packets: r.trace.length, byDecision, counters: r.counters })}\n`);
        else {
          process.stdout.write(`${r.trace.length} packets: ${Object.entries(byDecision).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
          process.stdout.write(`outputs and trace.jsonl in ${opts.out}\n`);
        }
      } catch (e) {
        // gwctl's convention: 1 = refused/invalid input, 2 = could not run at all
        if (e instanceof ReplayError) throw new CliError(`gwctl replay: ${e.code}: ${e.message}`, e.code === 'REPLAY_INVALID_INPUT' ? 1 : 2);
        throw e;
      }
    });
}

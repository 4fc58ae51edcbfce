// The changes the overlay makes most (a peering added or removed: `network` lines in some `router bgp <asn> vrf
// <vpc>` blocks; a VPC added: its zebra `vrf` block and its bgp VRF block) applied as just those lines through one
// vtysh, then read back. frr-reload.py over a config with 100 VRF blocks takes seconds (it parses both configs
// in Python and drives vtysh several times); the change itself is a handful of lines. Anything else, and any
// read-back that does not show exactly what was rendered, goes through the full reload (reload.ts).
import { vtysh } from './vtysh.ts';

/** A rendered (or running) config cut where the overlay's changes land. */
export interface ConfigParts {
  /** Every line outside the blocks below, in order, '!' separators dropped. */
  rest: string[];
  /** zebra `vrf <name>` ... `exit-vrf` blocks by VRF name. */
  zebraVrfs: Map<string, string[]>;
  /** `router bgp <asn> vrf <name>` ... `exit` blocks by VRF name. */
  bgpVrfs: Map<string, string[]>;
}

const BGP_VRF = /^router bgp \d+ vrf (\S+)$/;
const ZEBRA_VRF = /^vrf (\S+)$/;

/** Lines without indentation and '!' separators: how a block compares whatever printed it. */
function meaningful(lines: string[]): string[] {
  return lines.map((l) => l.trim()).filter((l) => l !== '' && l !== '!');
}

export function splitConfig(text: string): ConfigParts {
  const out: ConfigParts = { rest: [], zebraVrfs: new Map(), bgpVrfs: new Map() };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const bgp = BGP_VRF.exec(l);
    const zebra = bgp ? null : ZEBRA_VRF.exec(l);
    if (!bgp && !zebra) {
      out.rest.push(l);
      continue;
    }
    const end = bgp ? 'exit' : 'exit-vrf';
    const block = [l];
    while (i + 1 < lines.length && lines[i]!.trim() !== end) block.push(lines[++i]!);
    (bgp ? out.bgpVrfs : out.zebraVrfs).set((bgp ?? zebra)![1]!, meaningful(block));
  }
  out.rest = meaningful(out.rest);
  return out;
}

/** A bgp VRF block without its unicast `network` lines, and those lines per address family. */
function networks(block: string[]): { skeleton: string[]; nets: Map<string, Set<string>> } {
  const skeleton: string[] = [];
  const nets = new Map<string, Set<string>>();
  let af: string | null = null;
  let afLines: string[] = [];
  for (const l of block) {
    const open = /^address-family (ipv4|ipv6) unicast$/.exec(l);
    if (open) {
      af = open[1]!;
      afLines = [];
      continue;
    }
    if (af !== null) {
      if (l === 'exit-address-family') {
        // A unicast family holding nothing but `network` lines is what the overlay renders; anything else in it
        // stays in the skeleton, so a change there is not one this file applies.
        if (afLines.some((x) => !x.startsWith('network '))) skeleton.push(`address-family ${af} unicast`, ...afLines, l);
        const set = nets.get(af) ?? new Set<string>();
        for (const x of afLines) if (x.startsWith('network ')) set.add(x.slice('network '.length));
        nets.set(af, set);
        af = null;
      } else afLines.push(l);
      continue;
    }
    skeleton.push(l);
  }
  return { skeleton, nets };
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Two bgp VRF blocks say the same: FRR prints `network` lines in its own (prefix) order, not the rendered one. */
function sameBgpBlock(a: string[], b: string[]): boolean {
  const x = networks(a);
  const y = networks(b);
  const key = (n: Map<string, Set<string>>): string =>
    JSON.stringify([...n].filter(([, s]) => s.size > 0).map(([af, s]) => [af, [...s].sort()]).sort());
  return same(x.skeleton, y.skeleton) && key(x.nets) === key(y.nets);
}

export interface IncrementalPlan {
  /** vtysh -c arguments, from `configure terminal` to `end`. */
  commands: string[];
  /** What the change is, for the log. */
  summary: { networksAdded: number; networksRemoved: number; vrfsAdded: string[] };
  /** VRFs whose blocks the read-back must show exactly as rendered. */
  zebraVrfs: string[];
  bgpVrfs: string[];
}

/**
 * The vtysh commands that turn `prev` (the config in force) into `next`, or why there are none: only `network`
 * lines of existing bgp VRF blocks changing and whole VRFs (zebra + bgp block) appearing are applied this way.
 */
export function planIncremental(prev: string, next: string): IncrementalPlan | { fallback: string } {
  const a = splitConfig(prev);
  const b = splitConfig(next);
  if (!same(a.rest, b.rest)) return { fallback: 'outside the VRF blocks' };
  for (const [name, block] of a.zebraVrfs) {
    const nb = b.zebraVrfs.get(name);
    if (!nb) return { fallback: `VRF ${name} removed` };
    if (!same(block, nb)) return { fallback: `zebra vrf ${name}` };
  }
  for (const name of a.bgpVrfs.keys()) if (!b.bgpVrfs.has(name)) return { fallback: `router bgp vrf ${name} removed` };
  const newZebra = [...b.zebraVrfs.keys()].filter((n) => !a.zebraVrfs.has(n));
  const newBgp = [...b.bgpVrfs.keys()].filter((n) => !a.bgpVrfs.has(n));
  // A new bgp VRF block needs its zebra VRF, and a new zebra VRF (a VPC) its bgp block: anything else is not a VPC.
  if (!same(newZebra, newBgp)) return { fallback: 'a VRF added to zebra or bgpd only' };

  const commands: string[] = ['configure terminal'];
  const summary = { networksAdded: 0, networksRemoved: 0, vrfsAdded: newZebra };
  for (const name of newZebra) commands.push(...b.zebraVrfs.get(name)!);
  const touched: string[] = [...newBgp];
  for (const [name, block] of b.bgpVrfs) {
    const old = a.bgpVrfs.get(name);
    if (!old) {
      commands.push(...block);
      continue;
    }
    if (sameBgpBlock(old, block)) continue;
    const o = networks(old);
    const n = networks(block);
    if (!same(o.skeleton, n.skeleton)) return { fallback: `router bgp vrf ${name}: more than network lines` };
    commands.push(block[0]!);
    for (const af of new Set([...o.nets.keys(), ...n.nets.keys()])) {
      const was = o.nets.get(af) ?? new Set<string>();
      const is = n.nets.get(af) ?? new Set<string>();
      const add = [...is].filter((p) => !was.has(p));
      const del = [...was].filter((p) => !is.has(p));
      if (add.length + del.length === 0) continue;
      commands.push(`address-family ${af} unicast`, ...del.map((p) => `no network ${p}`), ...add.map((p) => `network ${p}`), 'exit-address-family');
      summary.networksAdded += add.length;
      summary.networksRemoved += del.length;
    }
    commands.push('exit');
    touched.push(name);
  }
  commands.push('end');
  return { commands, summary, zebraVrfs: newZebra, bgpVrfs: touched };
}

/** Which of the plan's blocks the running config does not show exactly as `next` renders them. */
export function readBackMismatches(plan: IncrementalPlan, next: string, running: string): string[] {
  const want = splitConfig(next);
  const have = splitConfig(running);
  const bad: string[] = [];
  for (const n of plan.zebraVrfs) if (!same(want.zebraVrfs.get(n)!, have.zebraVrfs.get(n) ?? [])) bad.push(`vrf ${n}`);
  for (const n of plan.bgpVrfs) if (!sameBgpBlock(want.bgpVrfs.get(n)!, have.bgpVrfs.get(n) ?? [])) bad.push(`router bgp vrf ${n}`);
  return bad;
}

export type IncrementalResult = { applied: IncrementalPlan['summary'] } | { fallback: string };

/**
 * Applies `next` over `prev` (the config in force) with just the changed lines, then reads the running config
 * back. `{ fallback }` says why the caller must do a full reload instead (nothing applied, or the daemons
 * refused a line, or they show something else than rendered: the full reload then makes it right).
 */
export async function applyIncremental(instance: string, prev: string, next: string): Promise<IncrementalResult> {
  const plan = planIncremental(prev, next);
  if ('fallback' in plan) return plan;
  if (plan.commands.length === 2) return { applied: plan.summary };
  // vtysh stops at the first command a daemon refuses and exits 1.
  const r = await vtysh(instance, plan.commands.flatMap((c) => ['-c', c]));
  if (r.code !== 0) return { fallback: `vtysh refused: ${(r.stdout + r.stderr).trim().split('\n').slice(-2).join('; ')}` };
  const running = await vtysh(instance, ['-c', 'show running-config']);
  if (running.code !== 0) return { fallback: 'running config not readable' };
  const bad = readBackMismatches(plan, next, running.stdout);
  if (bad.length > 0) return { fallback: `read back differs: ${bad.slice(0, 3).join(', ')}` };
  return { applied: plan.summary };
}

// The agent's side of the plugin protocol, without sockets: takes raw message bytes from one peer, decodes and
// validates them, drives epochs (HELLO -> SYNC_BEGIN .. SYNC_END -> sweep), applies ops to the FIB and EVPN
// model and returns the replies to send. Nothing a peer sends can throw out of handle(): malformed input is
// answered with ERROR and counted.
import { Packr, unpack } from 'msgpackr';
import {
  decodeMessage,
  decodeOp,
  encodeMessage,
  MSG,
  WIRE_ERROR,
  WIRE_VERSION,
  RESULT,
  WireDecodeError,
  type BatchMsg,
  type ResultName,
  type RouteOp,
  type WireErrorName,
  type WireMessage,
  type WireOp,
} from '../../../../wire/gen/wire.gen.ts';
import type { EvpnModel } from './evpn.ts';
import type { Fib } from './fib.ts';
import { LimitedLog } from './log-limit.ts';
import { admit, type SessionPeer } from './peer-admission.ts';
import type { PeerVerifier } from './peer-auth.ts';
import { STALE_DEFAULTS, StaleSweeper, type ConvergenceProbe, type StaleOptions } from './stale.ts';
import type { CpiFailure, CpiOpCounters, CpiStatus } from './status.ts';

const MAX_FAILURES = 100;

export interface SessionLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export class CpiSession {
  private peer: string | null = null;
  /** The verified zebra behind `peer` (kept after a disconnect: status shows the last one). */
  private holder: SessionPeer | null = null;
  private readonly refused: Record<string, number> = {};
  private lastRefusal: { at: string; reason: string } | null = null;
  /** Warnings a peer can cause, rate-limited (also used by the socket for refused connections). */
  readonly limited: LimitedLog;
  private epoch = 0;
  private syncing = false;
  private epochComplete = false;
  private everConnected = false;
  private lost = false;
  private hello: { schema: number; frr: string; instance: string } | null = null;
  private readonly ops: Record<string, CpiOpCounters> = {};
  private readonly malformed: Record<string, number> = {};
  private readonly failures: CpiFailure[] = [];
  private messages = 0;
  private answered = 0;
  private lastSweep = 0;
  private lastAt: string | null = null;
  /** Ops received by the socket and not answered yet; set by the server. */
  pendingOps = 0;
  /** Keeps a lost epoch's entries forwarding until the RIB re-converged (stale.ts). */
  readonly stale: StaleSweeper;

  constructor(
    private readonly endpoint: string,
    private readonly fib: Fib,
    private readonly evpn: EvpnModel,
    private readonly log: SessionLog,
    /** Which processes connected with verified kernel credentials (peer-auth.ts). */
    private readonly peers: PeerVerifier,
    /** Epoch numbers continue across agent restarts only if the caller persists them; a fresh start is fine. */
    firstEpoch = 0,
    probe: () => ConvergenceProbe | undefined = () => undefined,
    staleOptions: StaleOptions = STALE_DEFAULTS,
  ) {
    this.epoch = firstEpoch;
    this.limited = new LimitedLog((o, msg) => this.log.warn({ mod: 'cpi', ...o }, msg), { burst: 10, intervalMs: 60_000 });
    const tables = { sweep: (e: number) => fib.sweep(e) + evpn.sweep(e), count: (e: number) => fib.staleCount(e) + evpn.staleCount(e) };
    this.stale = new StaleSweeper(tables, probe, log, staleOptions);
  }

  /** The current (or last) epoch: entries announced before it are stale. */
  get currentEpoch(): number {
    return this.epoch;
  }

  /** Counts and logs (rate-limited) a peer the agent turned away, at the socket or at HELLO. */
  refuse(code: string, reason: string): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1;
    this.lastRefusal = { at: new Date().toISOString(), reason };
    this.limited.event(`refused:${code}`, { code, reason }, 'plugin peer refused');
  }

  /** Handles one message from `peer` (the ROUTER identity); returns the messages to send back to that peer. */
  handle(peer: string, raw: Uint8Array): Uint8Array[] {
    this.messages++;
    this.lastAt = new Date().toISOString();
    let seq = 0;
    try {
      let v: unknown;
      try {
        v = unpack(raw);
      } catch (e) {
        throw new WireDecodeError('not_msgpack', (e as Error).message);
      }
      if (Array.isArray(v) && typeof v[1] === 'number') seq = v[1] >>> 0;
      // A HELLO of another schema may have another arity: name the version, not the shape.
      if (Array.isArray(v) && v[0] === MSG.HELLO && typeof v[2] === 'number' && v[2] !== WIRE_VERSION) {
        throw new WireDecodeError('bad_version', `plugin speaks wire schema ${v[2]}, agent ${WIRE_VERSION}`);
      }
      const m = decodeMessage(v);
      return this.dispatch(peer, m);
    } catch (e) {
      const code: WireErrorName = e instanceof WireDecodeError ? e.code : 'bad_field';
      this.malformed[code] = (this.malformed[code] ?? 0) + 1;
      this.limited.event(`malformed:${code}`, { code, err: (e as Error).message }, 'malformed message from plugin');
      return [this.reply({ type: 'ERROR', seq, code: WIRE_ERROR[code], detail: (e as Error).message.slice(0, 256) })];
    }
  }

  /** The plugin's connection went away (zebra stopped or died): keep forwarding, wait for the next epoch. */
  disconnected(): void {
    if (this.peer === null) return;
    this.lost = true;
    this.peer = null;
    this.stale.lost();
    this.log.warn({ mod: 'cpi', epoch: this.epoch }, 'plugin disconnected; keeping the FIB until the next epoch completes');
  }

  private reply(m: WireMessage): Uint8Array {
    return packArray(encodeMessage(m));
  }

  private dispatch(peer: string, m: WireMessage): Uint8Array[] {
    switch (m.type) {
      case 'HELLO': {
        if (m.schema !== WIRE_VERSION) {
          throw new WireDecodeError('bad_version', `plugin speaks wire schema ${m.schema}, agent ${WIRE_VERSION}`);
        }
        const a = admit(this.peers, this.peer === null ? null : this.holder, peer, m.pid);
        if (!a.ok) {
          this.refuse(a.code, a.reason);
          return [this.reply({ type: 'ERROR', seq: m.seq, code: WIRE_ERROR[a.code], detail: a.reason.slice(0, 256) })];
        }
        if (this.holder && a.peer.process.pid !== this.holder.process.pid) this.log.info({ mod: 'cpi', why: a.why, pid: a.peer.process.pid }, 'new zebra takes the session');
        this.peer = peer;
        this.holder = a.peer;
        this.epoch++;
        this.syncing = false;
        this.epochComplete = false;
        this.everConnected = true;
        this.lost = false;
        this.hello = { schema: m.schema, frr: m.frrVersion, instance: m.instance };
        this.stale.epochStarted(this.epoch);
        this.log.info({ mod: 'cpi', epoch: this.epoch, frr: m.frrVersion, instance: m.instance, kernel: m.kernel, pid: m.pid }, 'plugin session');
        return [this.reply({ type: 'HELLO_ACK', seq: m.seq, schema: WIRE_VERSION, epoch: this.epoch })];
      }
      case 'SYNC_BEGIN':
        this.requireSession(peer, m.epoch);
        this.syncing = true;
        return [];
      case 'SYNC_END': {
        this.requireSession(peer, m.epoch);
        this.syncing = false;
        this.epochComplete = true;
        // Everything zebra has was announced in this epoch (replayed or live); older entries are stale and
        // leave once the RIB re-converged (at once when nothing is stale).
        this.lastSweep = this.stale.epochComplete(this.epoch);
        this.log.info({ mod: 'cpi', epoch: this.epoch, replayed: m.ops, removed: this.lastSweep, stale: this.stale.status().entries }, 'epoch complete');
        return [this.reply({ type: 'SYNC_DONE', seq: m.seq, epoch: this.epoch, removed: this.lastSweep })];
      }
      case 'BATCH':
        this.requireSession(peer, m.epoch);
        return [this.reply({ type: 'RESULT', seq: m.seq, codes: this.batch(m) })];
      default:
        // Agent -> plugin types arriving here are as wrong as unknown ones.
        throw new WireDecodeError('bad_envelope', `message type ${m.type} is not sent by a plugin`);
    }
  }

  private requireSession(peer: string, epoch: number): void {
    if (peer !== this.peer || epoch !== this.epoch) {
      throw new WireDecodeError('no_session', `no session for this peer/epoch ${epoch} (current ${this.epoch}): say HELLO`);
    }
  }

  private count(op: string, ok: boolean): void {
    const c = (this.ops[op] ??= { received: 0, ok: 0, failed: 0 });
    if (ok) c.ok++;
    else c.failed++;
  }

  private fail(op: string, subject: string, code: ResultName, reason: string): void {
    this.failures.push({ at: new Date().toISOString(), op, subject, code, reason });
    if (this.failures.length > MAX_FAILURES) this.failures.shift();
  }

  private batch(m: BatchMsg): number[] {
    if (m.ops.length) this.stale.touched();
    const codes: number[] = new Array(m.ops.length).fill(RESULT.ok);
    const routes: RouteOp[] = [];
    const routeIdx: number[] = [];
    m.ops.forEach((raw, i) => {
      let op: WireOp;
      try {
        op = decodeOp(raw, `ops[${i}]`);
      } catch (e) {
        const name = Array.isArray(raw) ? `op ${String(raw[0])}` : 'op ?';
        this.ops[name] ??= { received: 0, ok: 0, failed: 0 };
        this.ops[name].received++;
        this.count(name, false);
        this.malformed.bad_field = (this.malformed.bad_field ?? 0) + 1;
        this.fail(name, `batch ${m.seq} op ${i}`, 'invalid', (e as Error).message);
        codes[i] = RESULT.invalid;
        return;
      }
      (this.ops[op.op] ??= { received: 0, ok: 0, failed: 0 }).received++;
      switch (op.op) {
        case 'ROUTE_DELETE':
          // A restarting daemon's route: stays forwarding as stale until the RIB converged (stale.ts).
          if (this.stale.holds(op.proto) && this.fib.retire(op.vrf, `${op.dst}/${op.plen}`, this.epoch)) {
            this.count(op.op, true);
            return;
          }
          routes.push(op);
          routeIdx.push(i);
          return;
        case 'ROUTE_INSTALL':
        case 'ROUTE_UPDATE':
          routes.push(op);
          routeIdx.push(i);
          return;
        case 'MAC_INSTALL':
        case 'MAC_DELETE':
          this.evpn.mac(op.op, op, this.epoch);
          break;
        case 'NEIGH_INSTALL':
        case 'NEIGH_UPDATE':
        case 'NEIGH_DELETE':
          this.evpn.neigh(op.op, op, this.epoch);
          break;
        case 'VTEP_ADD':
        case 'VTEP_DELETE':
          this.evpn.vtep(op.op, op, this.epoch);
          break;
        default:
          // Interface addresses: the dataplane component owns port addresses; accepted as information.
          break;
      }
      this.count(op.op, true);
    });
    if (routes.length) {
      const res = this.fib.apply(routes, this.epoch);
      res.forEach((r, k) => {
        const i = routeIdx[k]!;
        const op = routes[k]!;
        codes[i] = RESULT[r.code];
        this.count(op.op, r.code === 'ok');
        if (r.code !== 'ok') this.fail(op.op, `vrf ${op.vrf} ${op.dst}/${op.plen}`, r.code, r.reason ?? r.code);
      });
    }
    // Router MACs that arrived or changed in this batch: tunnels rewritten, waiting overlay routes installed.
    const rmacs = this.evpn.drainRmacChanges();
    if (rmacs.length) {
      for (const f of this.fib.rmacsChanged(rmacs)) this.fail('ROUTE_INSTALL', `vrf ${f.vrf} ${f.prefix} (router MAC arrived)`, f.result.code, f.result.reason ?? f.result.code);
    }
    this.answered++;
    return codes;
  }

  snapshot(): CpiStatus {
    const sizes = this.fib.sizes();
    return {
      state: this.peer !== null ? (this.epochComplete ? 'established' : 'syncing') : this.everConnected || this.lost ? 'lost' : 'waiting',
      endpoint: this.endpoint,
      schemaVersion: WIRE_VERSION,
      peerSchemaVersion: this.hello?.schema ?? null,
      frrVersion: this.hello?.frr ?? null,
      pluginInstance: this.hello?.instance ?? null,
      epoch: this.epoch,
      epochComplete: this.epochComplete && !this.syncing,
      lastSweepRemoved: this.stale.status().lastSweep?.removed ?? this.lastSweep,
      stale: this.stale.status(),
      lastMessageAt: this.lastAt,
      ops: structuredClone(this.ops),
      pendingOps: this.pendingOps,
      malformed: { ...this.malformed },
      peer: {
        pid: this.holder?.process.pid ?? null,
        connections: this.peers.stats(),
        refused: { ...this.refused },
        lastRefusal: this.lastRefusal ? { ...this.lastRefusal } : null,
      },
      logSuppressed: this.limited.suppressed,
      messagesReceived: this.messages,
      batchesAnswered: this.answered,
      recentFailures: this.failures.map((f) => ({ ...f })),
      rib: sizes,
      evpn: this.evpn.sizes(),
    };
  }
}

// Plain msgpack (no msgpackr records): the plugin reads it with msgpack-c.
const packr = new Packr({ useRecords: false });
function packArray(a: unknown[]): Uint8Array {
  return packr.pack(a);
}

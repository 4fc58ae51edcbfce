// Who may talk to the agent on the plugin socket: only a zebra process, proven by the kernel, not by anything
// the peer says. The socket is root:frr 0660, so any process in group frr (and root) can open it; before this
// check the last HELLO took the session and a forged SYNC_END emptied the FIB.
//
// libzmq reads SO_PEERCRED of every ipc:// connection and hands "<addr>:<uid>:<gid>:<pid>" to a ZAP handler
// (ZeroMQ RFC 27) before the connection may carry a message. We are that handler: a connection is accepted only
// when its process runs as the FRR user and its executable is zebra; everything else is refused during the
// handshake, so nothing it sends reaches the session (or memory: libzmq reads no message before).
// The accepted processes are remembered by pid and start time: HELLO names its pid, and the session only takes
// a HELLO whose pid a verified connection came from (peer-admission.ts).
//
// Trust boundary: the FRR user itself. A process running as `frr` can already reconfigure zebra through its
// vty socket; it could also run a second zebra, which then meets the no-takeover rule instead.
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { Reply, type Context } from 'zeromq';

export interface PeerCred {
  uid: number;
  gid: number;
  pid: number;
}

/** A process at one point of its life: (pid, start time in clock ticks since boot) never repeats. */
export interface PeerProcess {
  pid: number;
  start: string;
}

/** What the session needs to know about peers; a fake in unit tests. */
export interface PeerVerifier {
  /** The process behind `pid` if a connection from it passed the check, with the number of that (newest) check. */
  verified(pid: number): { process: PeerProcess; seq: number } | undefined;
  /** Whether that very process still runs (not exited, not a zombie, pid not reused). */
  alive(p: PeerProcess): boolean;
  stats(): { accepted: number; refused: number };
}

/** Reads processes from /proc; the agent shares zebra's pid namespace (labs use network namespaces only). */
export interface ProcessProbe {
  /** Absolute path of the running executable, undefined when the process is gone. */
  exe(pid: number): string | undefined;
  /** Start time of the process, undefined when it is gone or a zombie. */
  start(pid: number): string | undefined;
}

export const procProbe: ProcessProbe = {
  exe(pid) {
    try {
      return readlinkSync(`/proc/${pid}/exe`);
    } catch {
      return undefined;
    }
  },
  start(pid) {
    try {
      // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const state = rest[0];
      if (state === 'Z' || state === 'X' || state === 'x') return undefined;
      return rest[19]; // field 22, starttime
    } catch {
      return undefined;
    }
  },
};

/** libzmq's ZAP "address" of an ipc:// peer ends in ":uid:gid:pid" (from SO_PEERCRED). */
export function parsePeerCred(address: string): PeerCred | undefined {
  const m = /:(\d+):(\d+):(\d+)$/.exec(address);
  if (!m) return undefined;
  const [uid, gid, pid] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return pid > 0 ? { uid, gid, pid } : undefined;
}

export interface ZebraIdentity {
  /** uid zebra runs as after dropping privileges (the FRR user). */
  uid: number;
  /** zebra's executable; a path replaced by a package upgrade reads "<path> (deleted)" and still counts. */
  exe: string;
}

/** Resolves the configured executable once (symlinks), so the check compares what /proc/<pid>/exe shows. */
export function zebraIdentity(uid: number, exe: string): ZebraIdentity {
  let real = exe;
  try {
    real = realpathSync(exe);
  } catch {
    // not installed here: nothing can match, every peer is refused with a reason naming the path
  }
  return { uid, exe: real };
}

export class ZebraPeers implements PeerVerifier {
  private readonly seen = new Map<number, { process: PeerProcess; seq: number }>();
  private seq = 0;
  private accepted = 0;
  private refused = 0;

  constructor(
    private readonly who: ZebraIdentity,
    private readonly probe: ProcessProbe = procProbe,
  ) {}

  /** The ZAP decision for one connection: null = accept, otherwise why not. */
  check(cred: PeerCred | undefined): string | null {
    const why = this.reason(cred);
    const start = cred && !why ? this.probe.start(cred.pid) : undefined;
    if (!cred || start === undefined) {
      this.refused++;
      return why ?? `pid ${cred?.pid} is gone`;
    }
    this.accepted++;
    this.seen.set(cred.pid, { process: { pid: cred.pid, start }, seq: ++this.seq });
    for (const [pid, v] of this.seen) if (!this.alive(v.process)) this.seen.delete(pid);
    return null;
  }

  private reason(cred: PeerCred | undefined): string | null {
    if (!cred) return 'no kernel credentials for the connection (not ipc://?)';
    if (cred.uid !== this.who.uid) return `pid ${cred.pid} runs as uid ${cred.uid}, zebra runs as uid ${this.who.uid}`;
    const exe = this.probe.exe(cred.pid);
    if (exe === undefined || this.probe.start(cred.pid) === undefined) return `pid ${cred.pid} is gone`;
    if (exe !== this.who.exe && exe !== `${this.who.exe} (deleted)`) return `pid ${cred.pid} is ${exe}, not ${this.who.exe}`;
    return null;
  }

  verified(pid: number): { process: PeerProcess; seq: number } | undefined {
    const v = this.seen.get(pid);
    return v && this.alive(v.process) ? v : undefined;
  }

  alive(p: PeerProcess): boolean {
    return this.probe.start(p.pid) === p.start;
  }

  stats(): { accepted: number; refused: number } {
    return { accepted: this.accepted, refused: this.refused };
  }
}

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/**
 * Serves ZAP requests of the sockets in `context` (one handler per context: the CPI server owns its context).
 * Must be bound before the ROUTER binds; the ROUTER sets zapEnforceDomain so a missing handler refuses all.
 */
export class ZapHandler {
  private readonly sock: Reply;
  private loop: Promise<void> | undefined;

  constructor(
    context: Context,
    private readonly decide: (cred: PeerCred | undefined, address: string) => string | null,
    private readonly onError: (e: unknown) => void,
  ) {
    this.sock = new Reply({ context, linger: 0 });
  }

  async start(): Promise<void> {
    await this.sock.bind(ZAP_ENDPOINT);
    this.loop = this.serve();
  }

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.sock) {
        // [version, request id, domain, address, routing id, mechanism, credentials...]
        const version = frames[0]?.toString() ?? '';
        const requestId = frames[1] ?? Buffer.alloc(0);
        const address = frames[3]?.toString() ?? '';
        let why: string | null;
        try {
          why = version === '1.0' ? this.decide(parsePeerCred(address), address) : `ZAP version ${version}`;
        } catch (e) {
          why = `check failed: ${(e as Error).message}`;
        }
        await this.sock.send(['1.0', requestId, why === null ? '200' : '400', why ?? 'OK', why === null ? 'zebra' : '', '']);
      }
    } catch (e) {
      if (!this.sock.closed) this.onError(e);
    }
  }

  async stop(): Promise<void> {
    this.sock.close();
    await this.loop;
  }
}

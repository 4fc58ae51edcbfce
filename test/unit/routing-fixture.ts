// Shared by the routing/CPI unit tests: a FakeDataplane with two ports, and zebra's ifindexes 7/8 for them.
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { StaticPortResolver } from '../../agent/src/features/routing/ports.ts';
import type { PeerProcess, PeerVerifier } from '../../agent/src/features/routing/peer-auth.ts';

export function dp(limits = {}): FakeDataplane {
  return withPorts(new FakeDataplane(limits));
}

/** Initialises a fake (or a subclass) with the two ports. */
export function withPorts<T extends FakeDataplane>(d: T): T {
  d.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
  d.addPort({ name: 'eth1', device: 'x', mtu: 1500, vrf: 0 }); // port 0
  d.addPort({ name: 'eth2', device: 'y', mtu: 1500, vrf: 0 }); // port 2
  return d;
}

export const ports = new StaticPortResolver(new Map([[7, 0], [8, 2]]));

/**
 * FakePeers: stands in for the kernel-credential check (ZebraPeers over ZAP). connect(pid) is a verified
 * connection from that process; kill(pid) ends it (the pid may then come back as another process).
 */
export class FakePeers implements PeerVerifier {
  private readonly procs = new Map<number, { process: PeerProcess; seq: number; alive: boolean }>();
  private seq = 0;
  private starts = 0;

  connect(pid: number): this {
    const p = this.procs.get(pid);
    const process = p?.alive ? p.process : { pid, start: String(++this.starts) };
    this.procs.set(pid, { process, seq: ++this.seq, alive: true });
    return this;
  }

  kill(pid: number): void {
    const p = this.procs.get(pid);
    if (p) p.alive = false;
  }

  verified(pid: number): { process: PeerProcess; seq: number } | undefined {
    const p = this.procs.get(pid);
    return p?.alive ? { process: p.process, seq: p.seq } : undefined;
  }

  alive(p: PeerProcess): boolean {
    const q = this.procs.get(p.pid);
    return Boolean(q?.alive && q.process.start === p.start);
  }

  stats(): { accepted: number; refused: number } {
    return { accepted: this.seq, refused: 0 };
  }
}

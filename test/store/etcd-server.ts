// A real etcd (Debian etcd-server) for the store tests, on gwmg-owned ports and data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { killLeftover } from '../api/harness.ts';
import { waitFor } from '../api/http.ts';

export const ETCD_DIR = '/tmp/gwmg-etcd';
export const ETCD_URL = 'http://127.0.0.1:42379';

export class EtcdServer {
  private proc: ChildProcess | undefined;

  async start(fresh: boolean): Promise<void> {
    killLeftover(ETCD_DIR, 'etcd.pid');
    if (fresh) rmSync(ETCD_DIR, { recursive: true, force: true });
    mkdirSync(ETCD_DIR, { recursive: true });
    this.proc = spawn(
      'etcd',
      [
        '--name', 'gwmg', '--data-dir', `${ETCD_DIR}/data`,
        '--listen-client-urls', ETCD_URL, '--advertise-client-urls', ETCD_URL,
        '--listen-peer-urls', 'http://127.0.0.1:42380', '--initial-advertise-peer-urls', 'http://127.0.0.1:42380',
        '--initial-cluster', 'gwmg=http://127.0.0.1:42380', '--log-level', 'error',
      ],
      { stdio: 'ignore' },
    );
    writeFileSync(`${ETCD_DIR}/etcd.pid`, String(this.proc.pid));
    const c = new Etcd3({ hosts: [ETCD_URL], dialTimeout: 500 });
    try {
      await waitFor('etcd up', async () => {
        if (this.proc?.exitCode !== null) throw new Error(`etcd exited ${this.proc?.exitCode}`);
        await c.get('/gwmg-probe').string();
        return true;
      }, 20000);
    } finally {
      c.close();
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  }
}

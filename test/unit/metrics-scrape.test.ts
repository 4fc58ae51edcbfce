// A /metrics scrape runs on the table writer's thread: it must read each source once, copy no model and start
// no child process (bench/metrics-scrape.ts measures what it costs route programming).
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { makeApiContext } from '../../agent/src/api/context.ts';
import { AuditLog } from '../../agent/src/audit/log.ts';
import { ConfigService } from '../../agent/src/config/service.ts';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { EvpnModel, KernelVniMap } from '../../agent/src/features/routing/evpn.ts';
import { FileStore } from '../../agent/src/store/file-store.ts';

/** Counts the reads a scrape makes. */
class CountingDataplane extends FakeDataplane {
  reads = { ports: 0, portCounters: 0, runtimeCounters: 0 };
  override ports(): ReturnType<FakeDataplane['ports']> {
    this.reads.ports++;
    return super.ports();
  }
  override portCounters(): ReturnType<FakeDataplane['portCounters']> {
    this.reads.portCounters++;
    return super.portCounters();
  }
  override runtimeCounters(): ReturnType<FakeDataplane['runtimeCounters']> {
    this.reads.runtimeCounters++;
    return super.runtimeCounters();
  }
}

const mac = (i: number): { vrf: number; ifindex: number; ifname: string; mac: string; vtep: string; sticky: boolean; vlan: number; brIfindex: number } => ({
  vrf: 0, ifindex: 10, ifname: i % 2 ? 'vx100' : 'vx200', mac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`, vtep: '192.0.2.1', sticky: false, vlan: 0, brIfindex: 0,
});

describe('/metrics scrape cost', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gwmg-scrape-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each dataplane source once per scrape, however many series show it', async () => {
    const dp = new CountingDataplane();
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
    dp.addPort({ name: 'eth1', device: 'x', mtu: 1500, vrf: 0 });
    const store = new FileStore(join(dir, 'store'));
    await store.open();
    const log = pino({ level: 'silent' });
    const audit = new AuditLog(dir);
    const ctx = makeApiContext({ config: new ConfigService(store, audit, log), audit, log, dataplane: () => dp });
    for (let scrape = 1; scrape <= 2; scrape++) {
      ctx.metrics.beforeScrape();
      const text = await ctx.metrics.registry.metrics();
      expect(text).to.include('gw_dp_port_rx_packets_total');
      expect(text).to.include('gw_dp_runtime_');
      await new Promise((r) => setImmediate(r));
      expect(dp.reads).to.deep.equal({ ports: scrape, portCounters: scrape, runtimeCounters: scrape });
    }
  });

  it('counts EVPN entries and VNIs without asking the kernel, resolving VNIs from the map it has', () => {
    let kernelReads = 0;
    let known = new Map<string, number>();
    let now = 10_000;
    const map = new KernelVniMap(
      () => {
        kernelReads++;
        return [...known].map(([ifname, vni]) => ({ ifname, vni }));
      },
      () => now,
    );
    const evpn = new EvpnModel(map);
    for (let i = 0; i < 10; i++) evpn.mac('MAC_INSTALL', mac(i), 1);
    const readsAfterOps = kernelReads;
    now += 5_000; // long past the map's refresh interval: a lookup through vniOf would ask the kernel again
    // Stored under VNI 0 (unknown netdevs): no VNI counted, and sizes() does not look again.
    expect(evpn.sizes()).to.deep.equal({ macs: 10, neighbors: 0, vteps: 0, vnis: 0 });
    expect(kernelReads).to.equal(readsAfterOps);
    // Once the map has learned the netdevs (an op or a show refreshed it), sizes() resolves through it.
    known = new Map([['vx100', 100], ['vx200', 200]]);
    map.refresh();
    expect(evpn.sizes()).to.deep.equal({ macs: 10, neighbors: 0, vteps: 0, vnis: 2 });
    evpn.mac('MAC_DELETE', mac(1), 1);
    evpn.mac('MAC_DELETE', mac(3), 1);
    evpn.mac('MAC_DELETE', mac(5), 1);
    evpn.mac('MAC_DELETE', mac(7), 1);
    evpn.mac('MAC_DELETE', mac(9), 1);
    expect(evpn.sizes()).to.deep.equal({ macs: 5, neighbors: 0, vteps: 0, vnis: 1 });
    // The same as the snapshot says.
    const s = evpn.snapshot();
    expect(new Set(s.macs.map((m) => m.vni)).size).to.equal(1);
  });

  it('learns netdevs for the counts in the background: a miss starts an asynchronous read, never a synchronous one', async () => {
    let syncReads = 0;
    let asyncReads = 0;
    let now = 10_000;
    const map = new KernelVniMap(
      () => {
        syncReads++;
        return [];
      },
      () => now,
      async () => {
        asyncReads++;
        return [{ ifname: 'vx100', vni: 100 }];
      },
    );
    const evpn = new EvpnModel({ vniOf: () => undefined, cached: (n) => map.cached(n) });
    evpn.mac('MAC_INSTALL', mac(1), 1);
    expect(evpn.sizes().vnis, 'not known yet').to.equal(0);
    await new Promise((r) => setImmediate(r));
    expect(evpn.sizes().vnis, 'learned by the background read').to.equal(1);
    now += 5_000;
    evpn.sizes();
    expect({ syncReads, asyncReads }).to.deep.equal({ syncReads: 0, asyncReads: 1 });
  });
});

import { expect } from 'chai';
import { NativeDataplane, type Addon } from '../../agent/src/dataplane/native.ts';

/** Records what NativeDataplane hands the binding; answers with fixed addon result numbers. */
class FakeAddon {
  inits: unknown[] = [];
  addrs: (string | null)[] = [];
  results = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 42]);
  init(o: unknown): number[] {
    this.inits.push(o);
    return [1];
  }
  applyRoutes(): Int32Array {
    return this.results;
  }
  portAddrSet(_port: number, ip: string | null): number {
    this.addrs.push(ip);
    return 0;
  }
  shutdown(): void {}
  dropReasons(): string[] {
    return ['x'];
  }
}

describe('NativeDataplane (over a fake binding)', () => {
  const make = () => {
    const a = new FakeAddon();
    return { a, dp: new NativeDataplane(a as unknown as Addon, 4) };
  };
  const cfg = { workerCores: [1], controlCore: 0, hugepages: 'off' as const, memoryMb: 256 };

  it('validates cores against the machine before touching the EAL', () => {
    const { a, dp } = make();
    expect(() => dp.init({ ...cfg, workerCores: [0] })).to.throw().with.property('code', 'DP_BAD_CONFIG');
    expect(() => dp.init({ ...cfg, workerCores: [7] })).to.throw(/not an online CPU/);
    expect(() => dp.init({ ...cfg, workerCores: [] })).to.throw().with.property('code', 'DP_BAD_CONFIG');
    expect(() => dp.init({ ...cfg, memoryMb: 8 })).to.throw().with.property('code', 'DP_BAD_CONFIG');
    expect(a.inits).to.deep.equal([]);
    expect(() => dp.routes(0)).to.not.throw();
    expect(() => dp.applyRoutes([])).to.throw().with.property('code', 'DP_NOT_INITIALIZED');
  });

  it('passes EAL args and table sizes, maps result numbers to codes, and refuses a second init', () => {
    const { a, dp } = make();
    const info = dp.init({ ...cfg, tables: { maxRoutes4: 1_000_000 } });
    expect(info).to.deep.include({ hugepages: false, workerLcores: [1] });
    expect(a.inits[0]).to.deep.include({ workers: 1, controlCpu: 0, mbufs: 32767, maxRoutes4: 1_000_000 });
    expect((a.inits[0] as { args: string[] }).args).to.include.members(['--no-huge', '--lcores', '0@0,1@1']);
    expect(dp.applyRoutes([])).to.deep.equal(['ok', 'invalid', 'not_found', 'table_full', 'no_vrf', 'no_nexthop', 'no_memory', 'invalid']);
    expect(() => dp.init(cfg)).to.throw().with.property('code', 'DP_EAL_ALREADY');
  });

  it('uses the first IPv4 and first IPv6 address as ICMP error sources', () => {
    const { a, dp } = make();
    // The EAL-once guard is process-wide: this instance is refused init, so use the one that got it.
    (dp as unknown as { eal: unknown }).eal = { hugepages: false, args: [], workerLcores: [1] };
    expect(dp.setPortAddresses(0, ['10.0.1.1/24', '10.0.9.1/24', '2001:DB8::1/64'])).to.equal('ok');
    expect(a.addrs).to.deep.equal([null, '10.0.1.1', '2001:db8::1']);
  });

  it('is inert after shutdown', () => {
    const { dp } = make();
    (dp as unknown as { eal: unknown }).eal = { hugepages: false, args: [], workerLcores: [1] };
    dp.shutdown();
    expect(dp.ports()).to.deep.equal([]);
    expect(() => dp.applyRoutes([])).to.throw().with.property('code', 'DP_SHUT_DOWN');
  });
});

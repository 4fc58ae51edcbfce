// TapPortResolver over FakeDataplane and a fake link lister: a route over a tap created after the last refresh
// is resolved at once (zebra never retries a refused route), while routes over a foreign interface do not
// re-read the kernel per route.
import { expect } from 'chai';
import { TapPortResolver } from '../../agent/src/features/routing/ports.ts';
import { dp } from './routing-fixture.ts';

function fakeKernel(links: Record<string, number>) {
  const k = { links: new Map(Object.entries(links)), reads: 0 };
  const list = (_ns: string | undefined): Map<string, number> => {
    k.reads++;
    return new Map(k.links);
  };
  return { k, list };
}

describe('routing port resolver (zebra ifindex -> dataplane port)', () => {
  it('maps tap ifindexes to ports and answers a foreign interface from the cache within a second', () => {
    const d = dp();
    const { k, list } = fakeKernel({ lo: 1, veth0: 5, eth1: 7, eth2: 8 });
    let now = 10_000;
    const r = new TapPortResolver(d, () => undefined, () => now, list);
    expect(r.portFor(0, 7)).to.equal(0);
    expect(r.portFor(0, 8)).to.equal(2);
    const reads = k.reads;
    for (let i = 0; i < 1000; i++) expect(r.portFor(0, 5)).to.equal(undefined);
    expect(k.reads).to.equal(reads);
    now += 1000;
    expect(r.portFor(0, 5)).to.equal(undefined);
    expect(k.reads).to.equal(reads + 1);
  });

  it('resolves a tap created right after a refresh (new port, or a newer ifindex) without waiting', () => {
    const d = dp();
    const { k, list } = fakeKernel({ lo: 1, veth0: 5, eth1: 7, eth2: 8 });
    const now = 10_000;
    const r = new TapPortResolver(d, () => undefined, () => now, list);
    expect(r.portFor(0, 5)).to.equal(undefined); // a refresh happens here
    // A document adds a port: its tap appears with a new ifindex within the same second.
    const p = d.addPort({ name: 'eth3', device: 'z', mtu: 1500, vrf: 0 });
    k.links.set('eth3', 9);
    expect(r.portFor(0, 9)).to.equal(p.id);
    // The same port's tap re-created by the kernel side (same port, same name, new ifindex).
    k.links.set('eth3', 12);
    expect(r.portFor(0, 12)).to.equal(p.id);
    expect(r.portFor(0, 9)).to.equal(undefined);
  });
});

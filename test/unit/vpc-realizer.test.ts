// The side-effect half of the vpc feature: the realizer and the consumer over FakeOverlayTables, through the
// config hub's atomic apply (a refusal re-applies the previous generation).
import { expect } from 'chai';
import { applyAtomically } from '../../agent/src/config/consumer.ts';
import type { DesiredState, Generation } from '../../agent/src/config/model.ts';
import { overlayTables } from '../../agent/src/features/vpc/component.ts';
import { VpcConfigConsumer } from '../../agent/src/features/vpc/consumer.ts';
import type { VpcLimits } from '../../agent/src/features/vpc/desired.ts';
import { VpcDirectoryImpl, type VpcInfo } from '../../agent/src/features/vpc/directory.ts';
import { VpcRealizer } from '../../agent/src/features/vpc/realizer.ts';
import type { DataplaneApi } from '../../agent/src/dataplane/api.ts';
import { FakeOverlayTables, overlayDoc } from './vpc-fakes.ts';

const LIMITS: VpcLimits = { maxVrfs: 16, reservedVrfs: new Set(), maxPeerings: 65535 };

function setup(dp = new FakeOverlayTables()) {
  const realizer = new VpcRealizer(dp);
  const directory = new VpcDirectoryImpl((e) => {
    throw e;
  });
  const changes: (readonly VpcInfo[])[] = [];
  directory.onChange((v) => changes.push(v));
  const consumer = new VpcConfigConsumer(realizer, directory, LIMITS, { dataplane: true, classify: true });
  let gen = 0;
  let prev: Generation | null = null;
  const apply = async (spec: DesiredState) => {
    const next = { generation: ++gen, spec };
    const r = await applyAtomically([consumer], next, prev);
    if (r.ok) prev = next;
    return r;
  };
  return { dp, realizer, directory, changes, consumer, apply };
}

describe('vpc realizer and consumer', () => {
  it('writes VRFs, VTEP, VNIs and classify entries, and publishes the VPCs with their VRFs', async () => {
    const s = setup();
    const r = await s.apply(overlayDoc());
    expect(r.problems).to.deep.equal([]);
    const t = s.dp.dump();
    expect(t.vrfs).to.deep.equal([0, 1, 2]);
    expect(t.vteps).to.deep.equal([{ ip: '10.0.0.1', mac: '02:00:00:00:00:01' }]);
    // UDP 4789 to the VTEP address must reach decapsulation: the address is local in the underlay.
    expect(t.fib).to.deep.equal(['0 10.0.0.1/32 local']);
    expect(t.vnis).to.deep.equal([{ vni: 100, vrf: 1 }, { vni: 200, vrf: 2 }]);
    expect(t.routes).to.have.length(3);
    expect(t.sources).to.have.length(3);
    expect(s.directory.byName('red')).to.deep.equal({ name: 'red', id: 'r1', vni: 200, vrf: 2, subnets: ['10.20.0.0/24'] });
    expect(s.directory.byVrf(1)?.name).to.equal('blue');
    expect(s.changes).to.have.length(1);
    expect(s.consumer.realizes).to.deep.equal(['vtep', 'vpcs', 'peerings']);
  });

  it('writes nothing when the same generation is applied again', async () => {
    const s = setup();
    await s.apply(overlayDoc());
    const calls = s.dp.calls.length;
    await s.apply(overlayDoc());
    expect(s.dp.calls.slice(calls)).to.deep.equal([]);
    expect(s.changes).to.have.length(1);
  });

  it('removing a peering removes exactly its classify entries; the VPCs and their VRFs stay', async () => {
    const s = setup();
    await s.apply(overlayDoc());
    const d = overlayDoc();
    d.peerings = [];
    expect((await s.apply(d)).ok).to.equal(true);
    const t = s.dp.dump();
    expect(t.routes).to.deep.equal([]);
    expect(t.sources).to.deep.equal([]);
    expect(t.vrfs).to.deep.equal([0, 1, 2]);
    expect(s.changes).to.have.length(1);
  });

  it('removing a VPC deletes its entries before its VRF, and a new VPC gets a fresh VRF', async () => {
    const s = setup();
    await s.apply(overlayDoc());
    const d = overlayDoc();
    d.peerings = [];
    d.vpcs = [d.vpcs[1]!, { name: 'green', id: 'g1', vni: 100, subnets: [] }];
    const calls = s.dp.calls.length;
    expect((await s.apply(d)).problems).to.deep.equal([]);
    // Green reuses blue's VNI: the entry naming blue's VRF goes before that VRF, then names green's.
    expect(s.dp.calls.slice(calls)).to.deep.equal(['delPeeringRoutes 3', 'delPeeringSources 3', 'delVnis 1', 'delVrf 1', 'addVrf 1', 'setVnis 1']);
    expect(s.dp.dump().vnis).to.deep.equal([{ vni: 100, vrf: 3 }, { vni: 200, vrf: 2 }]);
    expect(s.dp.dump().vrfs).to.deep.equal([0, 2, 3]);
    expect(s.directory.list().map((v) => `${v.name}:${v.vrf}`)).to.deep.equal(['red:2', 'green:3']);
  });

  it('a refused write is reported at the peering it concerns and the previous generation is restored exactly', async () => {
    const s = setup();
    const d1 = overlayDoc();
    d1.peerings = [];
    await s.apply(d1);
    const before = s.dp.dump();
    const d2 = overlayDoc();
    d2.vpcs.push({ name: 'green', id: 'g1', vni: 300, subnets: [{ name: 'a', cidr: '10.30.0.0/24' }] });
    s.dp.failNext = { method: 'setPeeringRoutes', index: 1, code: 'table_full' };
    const r = await s.apply(d2);
    expect(r.ok).to.equal(false);
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['REFUSED /peerings/0']);
    expect(r.problems[0]!.detail).to.match(/peeringRoutes .*table_full/);
    expect(r.rollbackErrors).to.deep.equal([]);
    expect(s.dp.dump()).to.deep.equal(before);
    expect(s.directory.list().map((v) => v.name)).to.deep.equal(['blue', 'red']);
    // The next try succeeds from what is really written.
    expect((await s.apply(d2)).ok).to.equal(true);
    expect(s.dp.dump().routes).to.have.length(3);
  });

  it('a VTEP that changes address is deleted before the new one is written (one VTEP slot), with its local route', async () => {
    const s = setup();
    await s.apply(overlayDoc());
    const d = overlayDoc();
    d.gateway.vtep = { ip: '10.0.0.9', mac: '02:00:00:00:00:09' };
    expect((await s.apply(d)).ok).to.equal(true);
    expect(s.dp.dump().vteps).to.deep.equal([{ ip: '10.0.0.9', mac: '02:00:00:00:00:09' }]);
    expect(s.dp.dump().fib).to.deep.equal(['0 10.0.0.9/32 local']);
    const d2 = overlayDoc();
    delete d2.gateway.vtep;
    d2.vpcs = [];
    d2.peerings = [];
    expect((await s.apply(d2)).ok).to.equal(true);
    expect(s.dp.dump()).to.deep.include({ vrfs: [0], fib: [], vteps: [], vnis: [] });
  });

  it('a VRF the dataplane refuses is reported at its VPC', async () => {
    const s = setup();
    s.dp.failNext = { method: 'addVrf', index: 0, code: 'no_memory' };
    const r = await s.apply(overlayDoc());
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['REFUSED /vpcs/0']);
    expect(s.dp.dump().vrfs).to.deep.equal([0]);
    expect(s.directory.list()).to.deep.equal([]);
  });

  it('without a dataplane: realizes no feature, but keeps the ids in the directory', async () => {
    const realizer = new VpcRealizer(undefined);
    const directory = new VpcDirectoryImpl();
    const consumer = new VpcConfigConsumer(realizer, directory, LIMITS, { dataplane: false, classify: false });
    expect(consumer.realizes).to.deep.equal([]);
    await consumer.apply({ generation: 1, spec: overlayDoc() });
    expect(directory.list().map((v) => v.vrf)).to.deep.equal([1, 2]);
  });

  it('a dataplane without the classify tables realizes VPCs but not peerings, and never writes a peering half', async () => {
    const dp = new FakeOverlayTables();
    const vxlanOnly = Object.assign(Object.create(null) as object, {
      addVrf: dp.addVrf.bind(dp), delVrf: dp.delVrf.bind(dp), applyRoutes: dp.applyRoutes.bind(dp),
      setVteps: dp.setVteps.bind(dp), delVteps: dp.delVteps.bind(dp), setVnis: dp.setVnis.bind(dp), delVnis: dp.delVnis.bind(dp),
    }) as unknown as DataplaneApi;
    const found = overlayTables(vxlanOnly);
    expect(found?.classify).to.equal(false);
    expect(overlayTables(dp as unknown as DataplaneApi)?.classify).to.equal(true);
    expect(overlayTables({} as DataplaneApi)).to.equal(undefined);
    const consumer = new VpcConfigConsumer(new VpcRealizer(found!.tables), new VpcDirectoryImpl(), LIMITS, { dataplane: true, classify: false });
    expect(consumer.realizes).to.deep.equal(['vtep', 'vpcs']);
    // As if the boot file accepted peerings unrealized: the VPCs are written, nothing of the peering.
    await consumer.apply({ generation: 1, spec: overlayDoc() });
    expect(dp.dump()).to.deep.include({ vrfs: [0, 1, 2], routes: [], sources: [] });
    expect(dp.calls.filter((c) => /Peering/.test(c))).to.deep.equal([]);
  });
});

// Integration: the vpc feature's consumer over the real dataplane addon, in this mocha process (EAL once per
// process, so this area has its own directory). A document with two VPCs and a peering is applied through the
// config hub's atomic apply; what the dataplane's own show walks return (VRF routes, vteps, vnis, peeringRoutes,
// peeringSources) must be exactly what the document implies, and removing the peering removes its entries.
import { expect } from 'chai';
import { applyAtomically } from '../../agent/src/config/consumer.ts';
import type { DesiredState, Generation } from '../../agent/src/config/model.ts';
import { validateDocument } from '../../agent/src/config/validate.ts';
import { NativeDataplane } from '../../agent/src/dataplane/native.ts';
import { overlayTables } from '../../agent/src/features/vpc/component.ts';
import { VpcConfigConsumer } from '../../agent/src/features/vpc/consumer.ts';
import { VpcDirectoryImpl } from '../../agent/src/features/vpc/directory.ts';
import { VpcRealizer } from '../../agent/src/features/vpc/realizer.ts';
import { overlayDoc } from '../unit/vpc-fakes.ts';

let dp: NativeDataplane | undefined;

after(() => dp?.shutdown());

const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('vpc overlay tables in the real dataplane (addon in-process)', function () {
  let consumer: VpcConfigConsumer;
  let directory: VpcDirectoryImpl;
  let prev: Generation | null = null;
  let gen = 0;
  const apply = async (spec: DesiredState) => {
    expect(validateDocument(spec)).to.deep.equal([]);
    const next = { generation: ++gen, spec };
    const r = await applyAtomically([consumer], next, prev);
    if (r.ok) prev = next;
    return r;
  };

  before(() => {
    dp = new NativeDataplane();
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 256, tables: { maxVrfs: 4 }, extraArgs: ['--no-pci'] });
    const found = overlayTables(dp);
    // The component realizes VPCs and peerings only with a dataplane that has both modules' tables: this build must.
    expect(found?.classify, 'the addon has the vxlan and classify tables').to.equal(true);
    directory = new VpcDirectoryImpl();
    consumer = new VpcConfigConsumer(new VpcRealizer(found!.tables), directory, { maxVrfs: 4, reservedVrfs: new Set(), maxPeerings: 65535 }, { dataplane: true, classify: true });
  });

  it('writes two VPCs: VRFs, VNIs, the VTEP and its local route, as the show walks return them', async () => {
    const r = await apply(overlayDoc());
    expect(r.problems).to.deep.equal([]);
    expect(dp!.vteps()).to.deep.equal([{ ip: '10.0.0.1', mac: '02:00:00:00:00:01' }]);
    expect(dp!.routes(0)).to.deep.include({ vrf: 0, prefix: '10.0.0.1/32', target: { kind: 'local' } });
    expect(sorted(dp!.vnis())).to.deep.equal([{ vni: 100, vrf: 1 }, { vni: 200, vrf: 2 }]);
    // The VPCs' VRFs exist (an empty VRF shows no routes; a missing one refuses a route with no_vrf).
    expect(dp!.applyRoutes([{ op: 'add', vrf: 2, prefix: '192.0.2.0/24', target: { kind: 'blackhole' } }])).to.deep.equal(['ok']);
    expect(dp!.applyRoutes([{ op: 'del', vrf: 2, prefix: '192.0.2.0/24' }])).to.deep.equal(['ok']);
    expect(directory.list().map((v) => `${v.name}:${v.vrf}`)).to.deep.equal(['blue:1', 'red:2']);
  });

  it('writes the peering: the classify show walks return exactly what each side exposes to the other', () => {
    expect(sorted(dp!.peeringRoutes())).to.deep.equal(
      sorted([
        { vrf: 1, prefix: '10.20.0.0/24', peering: 1, dstVrf: 2 },
        { vrf: 2, prefix: '10.10.0.0/25', peering: 1, dstVrf: 1 },
        { vrf: 2, prefix: '2001:db8:10::/64', peering: 1, dstVrf: 1 },
      ]),
    );
    expect(sorted(dp!.peeringSources())).to.deep.equal(
      sorted([
        { vrf: 1, peering: 1, prefix: '10.10.0.0/25' },
        { vrf: 1, peering: 1, prefix: '2001:db8:10::/64' },
        { vrf: 2, peering: 1, prefix: '10.20.0.0/24' },
      ]),
    );
  });

  it('removing the peering removes its classify entries and keeps the VPCs', async () => {
    const d = overlayDoc();
    d.peerings = [];
    expect((await apply(d)).ok).to.equal(true);
    expect(dp!.peeringRoutes()).to.deep.equal([]);
    expect(dp!.peeringSources()).to.deep.equal([]);
    expect(sorted(dp!.vnis())).to.deep.equal([{ vni: 100, vrf: 1 }, { vni: 200, vrf: 2 }]);
  });

  it('a VPC replaced by another that takes its VNI: the VNI names the new VRF and the old VRF is gone', async () => {
    const d = overlayDoc();
    d.peerings = [];
    d.vpcs = [{ name: 'green', id: 'g1', vni: 100, subnets: [] }, d.vpcs[1]!];
    expect((await apply(d)).problems).to.deep.equal([]);
    expect(sorted(dp!.vnis())).to.deep.equal([{ vni: 100, vrf: 3 }, { vni: 200, vrf: 2 }]);
    expect(dp!.applyRoutes([{ op: 'add', vrf: 1, prefix: '192.0.2.0/24', target: { kind: 'blackhole' } }])).to.deep.equal(['no_vrf']);
    expect(directory.list().map((v) => `${v.name}:${v.vrf}`)).to.deep.equal(['red:2', 'green:3']);
  });

  it('a VPC beyond the VRFs the dataplane has is refused at its path and nothing changes', async () => {
    const d = overlayDoc();
    d.vpcs.push({ name: 'green', id: 'g1', vni: 300, subnets: [] }, { name: 'pink', id: 'p1', vni: 400, subnets: [] });
    const state = () => ({ vnis: sorted(dp!.vnis()), vteps: dp!.vteps(), routes: sorted(dp!.peeringRoutes()) });
    const before = state();
    const r = await apply(d);
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['REFUSED /vpcs/3']);
    expect(state()).to.deep.equal(before);
  });

  it('removing every VPC and the VTEP leaves the dataplane as it found it', async () => {
    const d = overlayDoc();
    delete d.gateway.vtep;
    d.vpcs = [];
    d.peerings = [];
    expect((await apply(d)).ok).to.equal(true);
    expect(dp!.vteps()).to.deep.equal([]);
    expect(dp!.vnis()).to.deep.equal([]);
    expect(dp!.routes(0).filter((r) => r.prefix === '10.0.0.1/32')).to.deep.equal([]);
    expect(dp!.applyRoutes([{ op: 'add', vrf: 1, prefix: '192.0.2.0/24', target: { kind: 'blackhole' } }])).to.deep.equal(['no_vrf']);
    expect(directory.list()).to.deep.equal([]);
  });
});

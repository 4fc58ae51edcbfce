// The pure half of the vpc feature: document → overlay tables, with stable VRF and peering ids.
import { expect } from 'chai';
import { validateDocument } from '../../agent/src/config/validate.ts';
import { desiredVpcTables, emptyAssignment, type Assignment, type VpcLimits } from '../../agent/src/features/vpc/desired.ts';
import { overlayDoc } from './vpc-fakes.ts';


const LIMITS: VpcLimits = { maxVrfs: 16, reservedVrfs: new Set(), maxPeerings: 65535 };

describe('vpc desired tables (pure)', () => {
  it('gives each VPC a VRF and its VNI, the VTEP, and each side the other side’s exposes as destinations', () => {
    expect(validateDocument(overlayDoc())).to.deep.equal([]);
    const { tables, problems } = desiredVpcTables(overlayDoc(), emptyAssignment(), LIMITS);
    expect(problems).to.deep.equal([]);
    expect([...tables.vpcs.values()].map((v) => [v.name, v.vrf, v.vni])).to.deep.equal([
      ['blue', 1, 100],
      ['red', 2, 200],
    ]);
    expect([...tables.vteps.values()]).to.deep.equal([{ ip: '10.0.0.1', mac: '02:00:00:00:00:01' }]);
    expect([...tables.vnis.values()]).to.deep.equal([
      { vni: 100, vrf: 1 },
      { vni: 200, vrf: 2 },
    ]);
    expect([...tables.peerings.values()]).to.deep.equal([{ name: 'blue-red', id: 1, vpcs: ['blue', 'red'] }]);
    // In blue's VRF, red's exposes lead to red's VRF, and the reverse.
    expect([...tables.peeringRoutes.values()]).to.have.deep.members([
      { vrf: 2, prefix: '10.10.0.0/25', peering: 1, dstVrf: 1 },
      { vrf: 2, prefix: '2001:db8:10::/64', peering: 1, dstVrf: 1 },
      { vrf: 1, prefix: '10.20.0.0/24', peering: 1, dstVrf: 2 },
    ]);
    // Blue may send only from what it exposes.
    expect([...tables.peeringSources.values()]).to.have.deep.members([
      { vrf: 1, peering: 1, prefix: '10.10.0.0/25' },
      { vrf: 1, peering: 1, prefix: '2001:db8:10::/64' },
      { vrf: 2, peering: 1, prefix: '10.20.0.0/24' },
    ]);
  });

  it('turns a default expose into 0.0.0.0/0 and ::/0, as destinations for the other side and as sources', () => {
    const d = overlayDoc();
    d.peerings[0]!.sides[1].expose = [{ ips: [], default: true }];
    const { tables } = desiredVpcTables(d, emptyAssignment(), LIMITS);
    const routes = [...tables.peeringRoutes.values()].filter((r) => r.vrf === 1);
    expect(routes).to.have.deep.members([
      { vrf: 1, prefix: '0.0.0.0/0', peering: 1, dstVrf: 2 },
      { vrf: 1, prefix: '::/0', peering: 1, dstVrf: 2 },
    ]);
    expect([...tables.peeringSources.values()].filter((s) => s.vrf === 2).map((s) => s.prefix)).to.have.members(['0.0.0.0/0', '::/0']);
  });

  it('keeps a VPC’s VRF across generations while it exists, and never hands a VRF given up in the same generation to a new VPC', () => {
    const first = desiredVpcTables(overlayDoc(), emptyAssignment(), LIMITS);
    const d = overlayDoc();
    // blue goes, green comes, red stays: red keeps 2, green must not take blue's 1 in this generation.
    d.vpcs = [{ name: 'green', id: 'g1', vni: 300, subnets: [] }, d.vpcs[1]!];
    d.peerings = [];
    const second = desiredVpcTables(d, first.assignment, LIMITS);
    expect(Object.fromEntries(second.assignment.vrfs)).to.deep.equal({ red: 2, green: 3 });
    // One generation later 1 is free like any other id.
    d.vpcs.push({ name: 'pink', id: 'p1', vni: 400, subnets: [] });
    const third = desiredVpcTables(d, second.assignment, LIMITS);
    expect(Object.fromEntries(third.assignment.vrfs)).to.deep.equal({ red: 2, green: 3, pink: 1 });
  });

  it('skips the VRFs the boot file uses and refuses a VPC beyond the dataplane’s VRFs at its path', () => {
    const d = overlayDoc();
    d.vpcs.push({ name: 'green', id: 'g1', vni: 300, subnets: [] });
    const { tables, problems } = desiredVpcTables(d, emptyAssignment(), { maxVrfs: 4, reservedVrfs: new Set([1]), maxPeerings: 10 });
    expect([...tables.vpcs.values()].map((v) => v.vrf)).to.deep.equal([2, 3]);
    expect(problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['REFUSED /vpcs/2']);
  });

  it('keeps peering ids while the peering exists and refuses one beyond the id space', () => {
    const d = overlayDoc();
    d.vpcs.push({ name: 'green', id: 'g1', vni: 300, subnets: [{ name: 'a', cidr: '10.30.0.0/24' }] });
    d.peerings.push({ name: 'blue-green', sides: [{ vpc: 'blue', expose: [{ ips: ['10.10.0.128/25'] }] }, { vpc: 'green', expose: [{ ips: ['10.30.0.0/24'] }] }] });
    const prev: Assignment = { vrfs: new Map(), peerings: new Map([['blue-green', 7]]) };
    const { assignment } = desiredVpcTables(d, prev, LIMITS);
    expect(Object.fromEntries(assignment.peerings)).to.deep.equal({ 'blue-red': 1, 'blue-green': 7 });
    const full = desiredVpcTables(d, emptyAssignment(), { ...LIMITS, maxPeerings: 1 });
    expect(full.problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['REFUSED /peerings/1']);
  });

  it('leaves a NAT expose out (never routed untranslated) and realizes a rate-limited one without its limit', () => {
    // Reached only where the boot file accepts NAT and rate limits unrealized: the hub refuses them otherwise.
    const d = overlayDoc();
    d.peerings[0]!.sides[1].expose = [{ ips: ['10.20.0.0/25'], as: ['192.168.20.0/25'], nat: { mode: 'static' } }, { ips: ['10.20.0.128/25'], rateLimit: { packetsPerSecond: 10 } }];
    const { tables, problems } = desiredVpcTables(d, emptyAssignment(), LIMITS);
    expect(problems).to.deep.equal([]);
    expect([...tables.peeringRoutes.values()].filter((r) => r.vrf === 1).map((r) => r.prefix)).to.deep.equal(['10.20.0.128/25']);
    expect([...tables.peeringSources.values()].filter((r) => r.vrf === 2).map((r) => r.prefix)).to.deep.equal(['10.20.0.128/25']);
  });
});

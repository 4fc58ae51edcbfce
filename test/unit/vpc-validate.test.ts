// The overlay rules of semantic validation (config/validate-overlay.ts): VTEP, VPC names and VNIs, and the
// destinations a VPC is offered across all its peerings. Each problem is asserted at its exact path.
import { expect } from 'chai';
import type { DesiredState } from '../../agent/src/config/model.ts';
import { validateDocument } from '../../agent/src/config/validate.ts';
import { VPC_NAME_MAX } from '../../agent/src/config/validate-overlay.ts';
import { validDoc } from './config-fixtures.ts';

const codes = (d: DesiredState): string[] => validateDocument(d).map((p) => `${p.code} ${p.path}`);

/** blue, red and green, blue peered with red and with green, no NAT. */
function threeVpcs(): DesiredState {
  const d = validDoc();
  d.vpcs.push({ name: 'green', id: 'g1', vni: 300, subnets: [{ name: 'a', cidr: '10.30.0.0/24' }, { name: 'b', cidr: '10.20.0.0/24' }] });
  d.peerings = [
    { name: 'blue-red', sides: [{ vpc: 'blue', expose: [{ ips: ['10.10.0.0/24'] }] }, { vpc: 'red', expose: [{ ips: ['10.20.0.0/24'] }] }] },
    { name: 'blue-green', sides: [{ vpc: 'blue', expose: [{ ips: ['10.10.0.0/24'] }] }, { vpc: 'green', expose: [{ ips: ['10.30.0.0/24'] }] }] },
  ];
  return d;
}

describe('overlay validation (VTEP, VPCs, peerings)', () => {
  it('accepts a VPC peered with two others offering disjoint destinations', () => {
    expect(codes(threeVpcs())).to.deep.equal([]);
  });

  it('refuses two peerings offering one VPC overlapping destinations, at the later expose', () => {
    const d = threeVpcs();
    // green also exposes its 10.20.0.0/24, which red already offers to blue: which VPC is 10.20.0.5 in?
    d.peerings[1]!.sides[1].expose = [{ ips: ['10.30.0.0/24'] }, { ips: ['10.20.0.0/25'] }];
    expect(codes(d)).to.deep.equal(['OVERLAP /peerings/1/sides/1/expose/1/ips/0']);
  });

  it('refuses a statically translated destination colliding with another peering, seen through "as"', () => {
    const d = threeVpcs();
    d.peerings[1]!.sides[1].expose = [{ ips: ['10.30.0.0/24'], as: ['10.20.0.0/24'], nat: { mode: 'static' } }];
    expect(codes(d)).to.deep.equal(['OVERLAP /peerings/1/sides/1/expose/0/as/0']);
  });

  it('lets one default expose sit under specific destinations, refuses a second default towards the same VPC', () => {
    const d = threeVpcs();
    d.peerings[1]!.sides[1].expose = [{ ips: [], default: true }];
    expect(codes(d), 'default under red 10.20.0.0/24').to.deep.equal([]);
    d.peerings[0]!.sides[1].expose = [{ ips: [], default: true }];
    expect(codes(d)).to.deep.equal(['DUPLICATE /peerings/1/sides/1/expose/0/default']);
  });

  it('refuses an explicit 0.0.0.0/0 next to a default expose (the same dataplane key)', () => {
    const d = threeVpcs();
    d.vpcs[1]!.subnets = [{ name: 'all', cidr: '0.0.0.0/0' }];
    d.peerings[0]!.sides[1].expose = [{ ips: ['0.0.0.0/0'] }];
    d.peerings[1]!.sides[1].expose = [{ ips: [], default: true }];
    expect(codes(d)).to.include('OVERLAP /peerings/1/sides/1/expose/0/default');
  });

  it("refuses a destination inside the address space of the VPC it is offered to", () => {
    const d = threeVpcs();
    d.vpcs[0]!.subnets.push({ name: 'b', cidr: '10.20.0.0/16' });
    // blue keeps exposing only 10.10.0.0/24; red's 10.20.0.0/24 is now inside blue.
    expect(codes(d)).to.deep.equal(['OVERLAP /peerings/0/sides/1/expose/0/ips/0']);
  });

  it('refuses VTEP addresses that are special-use or a port address, accepts the router-id', () => {
    const d = validDoc();
    expect(d.gateway.vtep!.ip).to.equal(d.gateway.routerId);
    expect(codes(d)).to.deep.equal([]);
    d.gateway.vtep!.ip = '10.1.0.3';
    expect(codes(d)).to.deep.equal(['INVALID_VALUE /gateway/vtep/ip']);
    d.gateway.vtep!.ip = '127.0.0.1';
    expect(codes(d)).to.deep.equal(['INVALID_VALUE /gateway/vtep/ip']);
    const boot = validateDocument({ ...validDoc(), gateway: { ...validDoc().gateway, vtep: { ip: '10.9.0.1', mac: '02:00:00:00:00:01' } } }, {
      fixedPorts: [{ name: 'up0', addresses: ['10.9.0.1/24'] }],
    });
    expect(boot.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['INVALID_VALUE /gateway/vtep/ip']);
  });

  it('refuses a multicast or all-zero router MAC', () => {
    const d = validDoc();
    d.gateway.vtep!.mac = '01:00:5e:00:00:01';
    expect(codes(d)).to.deep.equal(['INVALID_VALUE /gateway/vtep/mac']);
    d.gateway.vtep!.mac = '00:00:00:00:00:00';
    expect(codes(d)).to.deep.equal(['INVALID_VALUE /gateway/vtep/mac']);
  });

  it('refuses VPC names too long for derived netdev names and the underlay VRF name', () => {
    const d = validDoc();
    const long = 'x'.repeat(VPC_NAME_MAX + 1);
    d.vpcs[0]!.name = 'x'.repeat(VPC_NAME_MAX);
    d.peerings[0]!.sides[0].vpc = d.vpcs[0]!.name;
    expect(codes(d)).to.deep.equal([]);
    d.vpcs[0]!.name = long;
    d.peerings[0]!.sides[0].vpc = long;
    d.vpcs[1]!.name = 'default';
    d.peerings[0]!.sides[1].vpc = 'default';
    expect(codes(d)).to.deep.equal(['INVALID_VALUE /vpcs/0/name', 'INVALID_VALUE /vpcs/1/name']);
  });

  it('refuses a VNI outside 24 bits (RFC 7348 section 5) even where the schema was not applied', () => {
    const d = validDoc();
    d.vpcs[0]!.vni = 0;
    d.vpcs[1]!.vni = 0x1000000;
    expect(codes(d)).to.deep.equal(['INVALID_VALUE /vpcs/0/vni', 'INVALID_VALUE /vpcs/1/vni']);
  });

  it('reports every overlay problem of one document together', () => {
    const d = threeVpcs();
    d.gateway.vtep!.mac = 'ff:ff:ff:ff:ff:ff';
    d.vpcs[2]!.vni = 100;
    d.peerings[1]!.sides[1].expose = [{ ips: ['10.20.0.0/24'] }];
    d.peerings.push({ name: 'self', sides: [{ vpc: 'red', expose: [] }, { vpc: 'red', expose: [] }] });
    expect(codes(d)).to.have.members([
      'INVALID_VALUE /gateway/vtep/mac',
      'DUPLICATE /vpcs/2/vni',
      'OVERLAP /peerings/1/sides/1/expose/0/ips/0',
      'INVALID_VALUE /peerings/2/sides/1/vpc',
    ]);
  });
});

import { expect } from 'chai';
import { unsupported, FEATURES, type Feature } from '../../agent/src/config/features.ts';
import { validateDocument } from '../../agent/src/config/validate.ts';
import { validDoc } from './config-fixtures.ts';

const codes = (ps: { code: string; path: string }[]): string[] => ps.map((p) => `${p.code} ${p.path}`);

describe('config semantic validation', () => {
  it('accepts a consistent document', () => {
    expect(validateDocument(validDoc())).to.deep.equal([]);
  });

  it('reports every problem of a document, not only the first, each with its path', () => {
    const d = validDoc();
    d.vpcs[1]!.vni = 100; // duplicate VNI
    d.vpcs[1]!.id = 'b1'; // duplicate id
    d.vpcs[0]!.subnets.push({ name: 'b', cidr: '10.10.0.128/25' }); // overlaps 10.10.0.0/24
    d.gateway.neighbors[1]!.bfdProfile = 'nope';
    d.staticRoutes[0]!.prefix = '198.51.100.1/24'; // host bits
    expect(codes(validateDocument(d))).to.have.members([
      'DUPLICATE /vpcs/1/id',
      'DUPLICATE /vpcs/1/vni',
      'OVERLAP /vpcs/0/subnets/1/cidr',
      'NO_SUCH_REF /gateway/neighbors/1/bfdProfile',
      'INVALID_VALUE /staticRoutes/0/prefix',
    ]);
  });

  it('refuses VPCs without a VTEP and peerings of unknown VPCs', () => {
    const d = validDoc();
    delete d.gateway.vtep;
    d.peerings[0]!.sides[1].vpc = 'green';
    const c = codes(validateDocument(d));
    expect(c).to.include('MISSING /gateway/vtep');
    expect(c).to.include('NO_SUCH_REF /peerings/0/sides/1/vpc');
  });

  it('refuses special-use prefixes and exposes outside the VPC, accepts default routes', () => {
    const d = validDoc();
    d.staticRoutes.push({ vpc: 'blue', prefix: '0.0.0.0/0', nexthops: [], blackhole: true });
    d.staticRoutes.push({ prefix: '::/0', nexthops: [{ ip: 'fe80::1', port: 'eth1' }] });
    d.vpcs[0]!.subnets[0]!.cidr = '127.0.0.0/24';
    d.peerings[0]!.sides[1].expose[0]!.ips = ['10.99.0.0/24'];
    const c = codes(validateDocument(d));
    expect(c).to.include('INVALID_VALUE /vpcs/0/subnets/0/cidr');
    expect(c).to.include('INVALID_VALUE /peerings/0/sides/1/expose/0/ips/0');
    expect(c.filter((x) => x.includes('/staticRoutes/'))).to.deep.equal([]);
  });

  it('refuses NAT combinations that cannot work', () => {
    const d = validDoc();
    const [a, b] = d.peerings[0]!.sides;
    // static NAT must map address for address
    b.expose[0]!.as = ['192.168.20.0/25'];
    // stateful NAT on both sides
    a.expose[0] = { ips: ['10.10.0.0/24'], as: ['203.0.113.1/32'], nat: { mode: 'masquerade', idleTimeoutSeconds: 60 } };
    b.expose.push({ ips: ['10.20.0.0/32'], as: ['203.0.113.9/32'], nat: { mode: 'portForward', ports: [{ proto: 'tcp', port: 0, as: 80 }] } });
    const c = codes(validateDocument(d));
    expect(c).to.include('NAT_INCOMPATIBLE /peerings/0/sides/1/expose/0/as/0');
    expect(c).to.include('NAT_INCOMPATIBLE /peerings/0/sides/1/expose');
    expect(c).to.include('INVALID_VALUE /peerings/0/sides/1/expose/1/nat/ports/0/port');
  });

  it('refuses ambiguous prefixes seen by the other side and empty rate limits', () => {
    const d = validDoc();
    d.vpcs[1]!.subnets.push({ name: 'b', cidr: '10.21.0.0/24' });
    // red exposes 10.21.0.0/24 statically translated into the range its other expose already shows as is.
    d.peerings[0]!.sides[1].expose = [
      { ips: ['10.20.0.0/24'] },
      { ips: ['10.21.0.0/24'], as: ['10.20.0.0/24'], nat: { mode: 'static' }, rateLimit: {} },
    ];
    const c = codes(validateDocument(d));
    expect(c).to.include('OVERLAP /peerings/0/sides/1/expose/1/as/0');
    expect(c).to.include('MISSING /peerings/0/sides/1/expose/1/rateLimit');
    // Overlapping untranslated exposes break two rules but are one fault: reported once.
    d.peerings[0]!.sides[1].expose = [{ ips: ['10.20.0.0/24'] }, { ips: ['10.20.0.0/25'] }];
    expect(codes(validateDocument(d))).to.deep.equal(['OVERLAP /peerings/0/sides/1/expose/1/ips/0']);
  });

  it('allows IPv6→IPv4 only through nat64, and "as" only with a nat mode', () => {
    const d = validDoc();
    d.vpcs[1]!.subnets.push({ name: 'v6', cidr: '2001:db8:20::/64' });
    d.peerings[0]!.sides[1].expose = [{ ips: ['2001:db8:20::/64'], as: ['192.168.20.0/24'], nat: { mode: 'static' } }];
    d.peerings[0]!.sides[0].expose = [{ ips: ['10.10.0.0/24'], as: ['192.168.10.0/24'] }];
    let c = codes(validateDocument(d));
    expect(c).to.include('NAT_INCOMPATIBLE /peerings/0/sides/1/expose/0/as');
    expect(c).to.include('NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/as');
    d.peerings[0]!.sides[1].expose[0]!.nat = { mode: 'nat64' };
    d.peerings[0]!.sides[0].expose = [{ ips: ['10.10.0.0/24'] }];
    c = codes(validateDocument(d));
    expect(c).to.deep.equal([]);
  });

  it('refuses special-use neighbors; a link-local one only with its port', () => {
    const d = validDoc();
    d.gateway.neighbors = [
      { ip: '255.255.255.255', asn: 65100 },
      { ip: '127.0.0.2', asn: 65100 },
      { ip: 'fe80::1', asn: 65100 },
      { ip: 'fe80::2', asn: 65100, port: 'eth1' },
    ];
    expect(codes(validateDocument(d))).to.deep.equal(['INVALID_VALUE /gateway/neighbors/0/ip', 'INVALID_VALUE /gateway/neighbors/1/ip', 'INVALID_VALUE /gateway/neighbors/2/ip']);
  });

  it('takes an unnumbered neighbor by port alone (one per port, a known port); a neighbor needs an ip or a port', () => {
    const d = validDoc();
    d.gateway.neighbors = [
      { port: 'eth1', asn: 'external', bfdProfile: 'fast' },
      { port: 'eth1', asn: 65101 },
      { asn: 65102 },
      { port: 'nope', asn: 'external' },
    ];
    expect(codes(validateDocument(d))).to.deep.equal([
      'DUPLICATE /gateway/neighbors/1/port',
      'MISSING /gateway/neighbors/2/ip',
      'NO_SUCH_REF /gateway/neighbors/3/port',
    ]);
    d.gateway.neighbors = [{ port: 'eth1', asn: 'external' }, { ip: 'fe80::2', asn: 65100, port: 'eth1' }];
    expect(codes(validateDocument(d))).to.deep.equal([]);
  });

  it('refuses overlapping port subnets, duplicate ports and neighbors, bad static routes', () => {
    const d = validDoc();
    d.gateway.ports[1]!.addresses = ['10.1.0.0/30'];
    d.gateway.ports[1]!.device = d.gateway.ports[0]!.device;
    d.gateway.neighbors[1]!.ip = '10.1.0.0';
    d.staticRoutes.push({ prefix: '198.51.100.0/24', nexthops: [{ ip: '2001:db8::1' }], blackhole: true });
    const c = codes(validateDocument(d));
    expect(c).to.include.members([
      'OVERLAP /gateway/ports/1/addresses/0',
      'DUPLICATE /gateway/ports/1/device',
      'DUPLICATE /gateway/neighbors/1/ip',
      'DUPLICATE /staticRoutes/1/prefix',
      'INVALID_VALUE /staticRoutes/1/nexthops',
      'INVALID_VALUE /staticRoutes/1/nexthops/0/ip',
    ]);
  });

  it('refuses a route that is both blackhole and reject, and reject routes with next hops', () => {
    const d = validDoc();
    d.staticRoutes.push(
      { prefix: '198.51.110.0/24', nexthops: [], blackhole: true, reject: true },
      { prefix: '198.51.111.0/24', nexthops: [{ ip: '10.1.0.0' }], reject: true },
      { prefix: '198.51.112.0/24', nexthops: [], reject: true },
    );
    expect(codes(validateDocument(d))).to.deep.equal(['INVALID_VALUE /staticRoutes/1/reject', 'INVALID_VALUE /staticRoutes/2/nexthops']);
  });

  it('refuses every use of a feature no component realizes, at the field that uses it', () => {
    const realized = new Set<Feature>(FEATURES.filter((f) => !['vpcs', 'peerings', 'nat.static'].includes(f)));
    const c = codes(unsupported(validDoc(), realized));
    expect(c).to.deep.equal(['NOT_SUPPORTED /vpcs/0', 'NOT_SUPPORTED /vpcs/1', 'NOT_SUPPORTED /peerings/0', 'NOT_SUPPORTED /peerings/0/sides/1/expose/0/nat']);
    expect(unsupported(validDoc(), new Set(FEATURES))).to.deep.equal([]);
  });
  describe('canonical addresses, each refused at its path', () => {
    const only = (d: ReturnType<typeof validDoc>, ctx = {}) => codes(validateDocument(d, ctx));

    it('refuses prefix lengths with leading zeros (route, subnet, port address)', () => {
      const d = validDoc();
      d.staticRoutes.push({ prefix: '10.9.0.0/024', nexthops: [{ ip: '10.1.0.0' }] });
      d.vpcs[0]!.subnets[0]!.cidr = '10.10.0.0/024';
      d.gateway.ports[0]!.addresses = ['10.1.0.1/031'];
      expect(only(d)).to.include.members([
        'INVALID_VALUE /staticRoutes/1/prefix',
        'INVALID_VALUE /vpcs/0/subnets/0/cidr',
        'INVALID_VALUE /gateway/ports/0/addresses/0',
      ]);
    });

    it('keeps refusing host bits in a routed prefix and names the network meant', () => {
      const d = validDoc();
      d.staticRoutes[0]!.prefix = '198.51.100.7/24';
      const ps = validateDocument(d);
      expect(codes(ps)).to.deep.equal(['INVALID_VALUE /staticRoutes/0/prefix']);
      expect(ps[0]!.detail).to.match(/host bits set .*198\.51\.100\.0\/24/);
    });

    it('refuses IPv4-mapped IPv6 addresses (RFC 4291 2.5.5.2) as neighbors, next hops and prefixes', () => {
      const d = validDoc();
      d.gateway.neighbors.push({ ip: '::ffff:10.1.0.2', asn: 65100 });
      d.staticRoutes.push({ prefix: '2001:db8:9::/48', nexthops: [{ ip: '::ffff:a01:2', port: 'eth1' }] });
      d.staticRoutes.push({ prefix: '::ffff:10.9.0.0/120', nexthops: [], blackhole: true });
      expect(only(d)).to.deep.equal([
        'INVALID_VALUE /gateway/neighbors/2/ip',
        'INVALID_VALUE /staticRoutes/1/nexthops/0/ip',
        'INVALID_VALUE /staticRoutes/2/prefix',
      ]);
    });

    it("refuses the gateway's own addresses as next hops and BGP neighbors", () => {
      const d = validDoc();
      d.gateway.neighbors.push({ ip: '10.1.0.3', asn: 65100 }); // eth2's address
      d.gateway.neighbors.push({ ip: '10.0.0.1', asn: 65100 }); // the router-id
      d.gateway.neighbors.push({ ip: '10.7.0.1', asn: 65100 }); // a boot port's address
      d.staticRoutes.push({ prefix: '198.51.101.0/24', nexthops: [{ ip: '10.1.0.1', port: 'eth1' }] });
      d.staticRoutes.push({ prefix: '198.51.102.0/24', nexthops: [{ ip: '10.7.0.1', port: 'boot1' }] });
      const ps = validateDocument(d, { fixedPorts: [{ name: 'boot1', addresses: ['10.7.0.1/24'] }] });
      expect(codes(ps)).to.deep.equal([
        'INVALID_VALUE /gateway/neighbors/2/ip',
        'INVALID_VALUE /gateway/neighbors/3/ip',
        'INVALID_VALUE /gateway/neighbors/4/ip',
        'INVALID_VALUE /staticRoutes/1/nexthops/0/ip',
        'INVALID_VALUE /staticRoutes/2/nexthops/0/ip',
      ]);
      expect(ps[0]!.detail).to.include('/gateway/ports/1/addresses/0');
      expect(ps[2]!.detail).to.include('boot port boot1');
    });

    it('refuses the same next hop twice in one route; a link-local one is the same only on the same port', () => {
      const d = validDoc();
      d.staticRoutes[0]!.nexthops = [{ ip: '10.1.0.0', port: 'eth1' }, { ip: '10.1.0.2' }, { ip: '10.1.0.0' }];
      d.staticRoutes.push({ prefix: '2001:db8:9::/48', nexthops: [{ ip: 'fe80::1', port: 'eth1' }, { ip: 'fe80::1', port: 'eth2' }] });
      d.staticRoutes.push({ prefix: '2001:db8:a::/48', nexthops: [{ ip: 'fe80::1', port: 'eth1' }, { ip: 'FE80::0:1', port: 'eth1' }] });
      expect(only(d)).to.deep.equal(['DUPLICATE /staticRoutes/0/nexthops/2/ip', 'DUPLICATE /staticRoutes/2/nexthops/1/ip']);
    });

    it('lets static routes and neighbors name a boot port; a link-local IPv6 next hop needs its port', () => {
      const d = validDoc();
      const fixedPorts = [{ name: 'boot1', addresses: ['10.7.0.1/24', '2001:db8:7::1/64'] }];
      d.staticRoutes.push({ prefix: '2001:db8:9::/48', nexthops: [{ ip: 'fe80::7', port: 'boot1' }] });
      d.staticRoutes.push({ prefix: '198.51.103.0/24', nexthops: [{ ip: '10.7.0.2', port: 'boot1' }] });
      d.gateway.neighbors.push({ ip: 'fe80::7', asn: 65107, port: 'boot1' });
      expect(only(d, { fixedPorts })).to.deep.equal([]);
      // Without the boot port (an agent without that dataplane section) the same names are unknown.
      expect(only(d)).to.deep.equal(['NO_SUCH_REF /gateway/neighbors/2/port', 'NO_SUCH_REF /staticRoutes/1/nexthops/0/port', 'NO_SUCH_REF /staticRoutes/2/nexthops/0/port']);
      d.staticRoutes[1]!.nexthops = [{ ip: 'fe80::7' }];
      expect(only(d, { fixedPorts })).to.deep.equal(['INVALID_VALUE /staticRoutes/1/nexthops/0/ip']);
    });
  });
});

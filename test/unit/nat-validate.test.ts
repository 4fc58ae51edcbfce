// The NAT rules of the document (issue 13; docs/nat.md#validation), one rule per test, each problem asserted at
// the exact path an operator has to change.
import { expect } from 'chai';
import type { DesiredState, Expose } from '../../agent/src/config/model.ts';
import { validateDocument } from '../../agent/src/config/validate.ts';
import { validDoc } from './config-fixtures.ts';

const codes = (d: DesiredState): string[] => validateDocument(d).map((p) => `${p.code} ${p.path}`);

/** blue (10.10.0.0/24, 2001:db8:10::/64) and red (10.20.0.0/24, 2001:db8:20::/64), peered with the given exposes. */
function doc(blue: Expose[], red: Expose[] = [{ ips: ['10.20.0.0/24'] }]): DesiredState {
  const d = validDoc();
  d.vpcs[0]!.subnets.push({ name: 'v6', cidr: '2001:db8:10::/64' });
  d.vpcs[1]!.subnets.push({ name: 'v6', cidr: '2001:db8:20::/64' });
  d.peerings[0]!.sides = [
    { vpc: 'blue', expose: blue },
    { vpc: 'red', expose: red },
  ];
  return d;
}

const masq = (ips: string[], as: string[]): Expose => ({ ips, as, nat: { mode: 'masquerade' } });

describe('nat: document validation', () => {
  it('accepts each mode: static NAT44 and NPTv6, masquerade (NAT44 and NAT66, with a filtering mode), a port forward', () => {
    expect(
      codes(
        doc([
          { ips: ['10.10.0.0/25'], as: ['192.168.10.0/25'], nat: { mode: 'static' } },
          { ips: ['2001:db8:10::/64'], as: ['2001:db8:f10::/64'], nat: { mode: 'static' } },
        ]),
      ),
    ).to.deep.equal([]);
    expect(
      codes(
        doc([
          { ips: ['10.10.0.0/24'], as: ['203.0.113.1/32'], nat: { mode: 'masquerade', idleTimeoutSeconds: 120, filtering: 'endpoint-independent' } },
          masq(['2001:db8:10::/64'], ['2001:db8:f10::1/128']),
        ]),
      ),
    ).to.deep.equal([]);
    expect(codes(doc([{ ips: ['10.10.0.0/24'] }], [{ ips: ['10.20.0.5/32'], as: ['203.0.113.80/32'], nat: { mode: 'portForward', ports: [{ proto: 'tcp', port: 8080, as: 80 }, { proto: 'udp', port: 53, as: 53 }] } }]))).to.deep.equal([]);
  });

  it('requires `as` for every NAT mode, at the expose', () => {
    for (const nat of [{ mode: 'static' }, { mode: 'masquerade' }, { mode: 'portForward', ports: [{ proto: 'tcp', port: 1, as: 1 }] }] as Expose['nat'][]) {
      expect(codes(doc([{ ips: ['10.10.0.0/24'], nat }]))).to.deep.equal(['NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/as']);
      expect(codes(doc([{ ips: ['10.10.0.0/24'], as: [], nat }]))).to.deep.equal(['NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/as']);
    }
  });

  it('static: maps prefix to prefix pairwise, same family and length (RFC 6296 section 3 for NPTv6), one `as` per `ips`', () => {
    expect(codes(doc([{ ips: ['10.10.0.0/24'], as: ['192.168.10.0/25'], nat: { mode: 'static' } }]))).to.deep.equal(['NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/as/0']);
    // Same total (two /25 against one /24) is still refused: the mapping is per pair.
    expect(codes(doc([{ ips: ['10.10.0.0/24'], as: ['192.168.10.0/25', '192.168.11.0/25'], nat: { mode: 'static' } }]))).to.include('NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/as');
    expect(codes(doc([{ ips: ['2001:db8:10::/64'], as: ['2001:db8:f10::/56'], nat: { mode: 'static' } }]))).to.deep.equal(['NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/as/0']);
    expect(codes(doc([{ ips: ['2001:db8:10::/64'], as: ['192.168.10.0/24'], nat: { mode: 'static' } }]))).to.include('NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/as');
  });

  it('refuses stateful NAT on both sides of a peering (no flow could ever be opened)', () => {
    expect(codes(doc([masq(['10.10.0.0/24'], ['203.0.113.1/32'])], [masq(['10.20.0.0/24'], ['203.0.113.2/32'])]))).to.deep.equal(['NAT_INCOMPATIBLE /peerings/0/sides/1/expose']);
    // Stateful on one side, static on the other is fine.
    expect(codes(doc([masq(['10.10.0.0/24'], ['203.0.113.1/32'])], [{ ips: ['10.20.0.0/24'], as: ['192.168.20.0/24'], nat: { mode: 'static' } }]))).to.deep.equal([]);
  });

  it('refuses overlapping `as` prefixes of different exposes, also across peerings and VPCs (one NAT address, one translation)', () => {
    expect(codes(doc([{ ips: ['10.10.0.0/25'], as: ['192.168.10.0/25'], nat: { mode: 'static' } }, masq(['10.10.0.128/25'], ['192.168.10.1/32'])]))).to.include(
      'OVERLAP /peerings/0/sides/0/expose/1/as/0',
    );
    const d = doc([masq(['10.10.0.0/24'], ['203.0.113.0/30'])]);
    d.vpcs.push({ name: 'green', id: 'g1', vni: 300, subnets: [{ name: 'a', cidr: '10.30.0.0/24' }] });
    d.peerings.push({ name: 'green-red', sides: [{ vpc: 'green', expose: [masq(['10.30.0.0/24'], ['203.0.113.2/32'])] }, { vpc: 'red', expose: [{ ips: ['10.20.0.0/25'] }] }] });
    expect(codes(d)).to.include('OVERLAP /peerings/1/sides/0/expose/0/as/0');
  });

  it('refuses an `as` prefix inside the subnets of the VPC that sees it (that VPC would route it itself)', () => {
    expect(codes(doc([masq(['10.10.0.0/24'], ['10.20.0.200/32'])]))).to.deep.equal(['OVERLAP /peerings/0/sides/0/expose/0/as/0']);
  });

  it('refuses a masquerade or portForward pool inside its own VPC`s subnets (offered to it for hairpinning, it would take a host`s address)', () => {
    expect(codes(doc([masq(['10.10.0.0/25'], ['10.10.0.200/32'])]))).to.deep.equal(['OVERLAP /peerings/0/sides/0/expose/0/as/0']);
    // A static `as` is not offered to its own VPC.
    expect(codes(doc([{ ips: ['10.10.0.0/25'], as: ['10.10.0.128/25'], nat: { mode: 'static' } }]))).to.deep.equal([]);
  });

  it('portForward: one service address, one published address, (proto, as port) unique', () => {
    const pf = (ips: string[], as: string[], ports: { proto: 'tcp' | 'udp'; port: number; as: number }[]): Expose => ({ ips, as, nat: { mode: 'portForward', ports } });
    expect(codes(doc([{ ips: ['10.10.0.0/24'] }], [pf(['10.20.0.0/24'], ['203.0.113.80/31'], [{ proto: 'tcp', port: 80, as: 80 }])]))).to.deep.equal([
      'NAT_INCOMPATIBLE /peerings/0/sides/1/expose/0/ips/0',
      'NAT_INCOMPATIBLE /peerings/0/sides/1/expose/0/as/0',
    ]);
    const dup = codes(
      doc([{ ips: ['10.10.0.0/24'] }], [pf(['10.20.0.5/32'], ['203.0.113.80/32'], [{ proto: 'tcp', port: 80, as: 80 }, { proto: 'udp', port: 81, as: 80 }, { proto: 'tcp', port: 8080, as: 80 }, { proto: 'tcp', port: 0, as: 0 }])]),
    );
    // tcp/80 twice is a conflict; udp/80 next to it is not.
    expect(dup).to.have.members(['DUPLICATE /peerings/0/sides/1/expose/0/nat/ports/2/as', 'INVALID_VALUE /peerings/0/sides/1/expose/0/nat/ports/3/port', 'INVALID_VALUE /peerings/0/sides/1/expose/0/nat/ports/3/as']);
  });

  it('masquerade: a pool too small to give every inside IPv4 host 16 ports (4032 hosts per pool address) is refused', () => {
    const d = doc([masq(['10.10.0.0/24'], ['203.0.113.1/32'])]);
    d.vpcs[0]!.subnets.push({ name: 'big', cidr: '10.64.0.0/16' });
    d.peerings[0]!.sides[0].expose.push(masq(['10.64.0.0/16'], ['203.0.113.8/30']));
    // 65536 inside addresses need ceil(65536 / 4032) = 17 pool addresses; a /30 holds 4.
    const p = validateDocument(d).find((x) => x.path === '/peerings/0/sides/0/expose/1/as');
    expect(p?.code).to.equal('NAT_INCOMPATIBLE');
    expect(p?.detail).to.include('give at least 17');
    d.peerings[0]!.sides[0].expose[1]!.as = ['203.0.113.32/27'];
    expect(codes(d)).to.deep.equal([]);
  });

  it('refuses NAT of what is not exposed: a default expose, an expose without prefixes', () => {
    expect(codes(doc([{ ips: [], default: true, as: ['203.0.113.1/32'], nat: { mode: 'masquerade' } }]))).to.deep.equal(['NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/nat']);
    expect(codes(doc([masq([], ['203.0.113.1/32'])]))).to.deep.equal(['MISSING /peerings/0/sides/0/expose/0/ips']);
    // ips outside the VPC are refused as for any expose.
    expect(codes(doc([masq(['10.99.0.0/24'], ['203.0.113.1/32'])]))).to.deep.equal(['INVALID_VALUE /peerings/0/sides/0/expose/0/ips/0']);
  });

  it('reports every NAT problem of a document at once', () => {
    const d = doc(
      [{ ips: ['10.10.0.0/25'], as: ['192.168.10.0/26'], nat: { mode: 'static' } }, masq(['10.10.0.128/25'], ['192.168.10.1/32'])],
      [{ ips: ['10.20.0.5/32'], as: ['203.0.113.80/32'], nat: { mode: 'portForward', ports: [{ proto: 'tcp', port: 80, as: 80 }, { proto: 'tcp', port: 81, as: 80 }] } }],
    );
    expect(codes(d)).to.have.members([
      'NAT_INCOMPATIBLE /peerings/0/sides/0/expose/0/as/0',
      'OVERLAP /peerings/0/sides/0/expose/1/as/0',
      'NAT_INCOMPATIBLE /peerings/0/sides/1/expose',
      'DUPLICATE /peerings/0/sides/1/expose/0/nat/ports/1/as',
    ]);
  });
});

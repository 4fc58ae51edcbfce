// The NAT desired state as pure functions of the document: the dataplane tables of each mode (COORDINATION
// contract of issue 13), stable pool ids, and what NAT changes in the vpc feature's classify tables and in the
// type-5 routes FRR originates (the `as` prefixes, not `ips`).
import { expect } from 'chai';
import { validateDocument } from '../../agent/src/config/validate.ts';
import { originations } from '../../agent/src/features/evpn/overlay.ts';
import { desiredNat, type NatIds } from '../../agent/src/features/nat/desired.ts';
import type { NatMode } from '../../agent/src/features/nat/dp-tables.ts';
import { desiredVpcTables, emptyAssignment } from '../../agent/src/features/vpc/desired.ts';
import { natDoc } from './nat-fakes.ts';

const IDS: NatIds = { vrfs: new Map([['blue', 1], ['red', 2]]), peerings: new Map([['blue-red', 7]]) };
const ALL = new Set<NatMode>(['static', 'masquerade', 'portForward']);
const values = <T>(m: Map<unknown, T>): T[] => [...m.values()];

describe('nat: desired tables (pure)', () => {
  it('the fixture document is valid', () => {
    expect(validateDocument(natDoc())).to.deep.equal([]);
  });

  it('static: one natStatic row per ips/as pair, owned by the VPC of ips (NAT44 and NPTv6 alike)', () => {
    const d = desiredNat(natDoc(), IDS, new Map(), ALL);
    expect(d.problems).to.deep.equal([]);
    expect(values(d.tables.natStatic)).to.deep.equal([
      { peering: 7, vrf: 2, ips: '10.20.0.128/25', as: '192.168.20.128/25' },
      { peering: 7, vrf: 2, ips: '2001:db8:20::/64', as: '2001:db8:f20::/64' },
    ]);
    expect([...d.staticOrigin.values()].map((o) => o.path)).to.deep.equal(['/peerings/0/sides/1/expose/0', '/peerings/0/sides/1/expose/1']);
  });

  it('masquerade: a pool per expose with its `as` addresses and inside prefixes; filtering and idle timeout from the document, defaults otherwise', () => {
    const d = desiredNat(natDoc(), IDS, new Map(), ALL);
    expect(values(d.tables.natPools)).to.deep.equal([
      { pool: 1, peering: 7, vrf: 1, mode: 'masquerade', filtering: 'endpointIndependent', idleTimeout: 0 },
      // RFC 4787 REQ-8: the documented default is address-dependent filtering.
      { pool: 2, peering: 7, vrf: 1, mode: 'masquerade', filtering: 'addressDependent', idleTimeout: 600 },
      { pool: 3, peering: 7, vrf: 1, mode: 'portForward', filtering: 'endpointIndependent', idleTimeout: 0 },
    ]);
    expect(values(d.tables.natPoolPrefixes)).to.deep.equal([
      { pool: 1, prefix: '203.0.113.1/32' },
      { pool: 2, prefix: '2001:db8:f10::1/128' },
      { pool: 3, prefix: '198.51.100.80/32' },
    ]);
    expect(values(d.tables.natInside)).to.deep.equal([
      { pool: 1, prefix: '10.10.0.0/25' },
      { pool: 2, prefix: '2001:db8:10::/64' },
    ]);
  });

  it('portForward: one natForwards row per (proto, published port), to the service address and port', () => {
    const d = desiredNat(natDoc(), IDS, new Map(), ALL);
    expect(values(d.tables.natForwards)).to.deep.equal([
      { pool: 3, proto: 'tcp', addr: '198.51.100.80', port: 80, inside: '10.10.0.200', insidePort: 8080 },
      { pool: 3, proto: 'udp', addr: '198.51.100.80', port: 53, inside: '10.10.0.200', insidePort: 5353 },
    ]);
  });

  it('keeps pool ids across generations; a new expose never takes the id of one just removed', () => {
    const first = desiredNat(natDoc(), IDS, new Map(), ALL);
    const doc = natDoc();
    // The IPv4 masquerade expose goes, another comes: pools 2 and 3 keep their ids, the new one is 4, not 1.
    doc.peerings[0]!.sides[0].expose[0] = { ips: ['10.10.0.0/26'], as: ['203.0.113.2/32'], nat: { mode: 'masquerade' } };
    const next = desiredNat(doc, IDS, first.pools, ALL);
    expect([...next.tables.natPools.keys()].sort()).to.deep.equal([2, 3, 4]);
    expect(next.poolOrigin.get(4)!.path).to.equal('/peerings/0/sides/0/expose/0');
  });

  it('leaves out what the dataplane does not translate (accepted unrealized) and never writes nat64', () => {
    const doc = natDoc();
    doc.peerings[0]!.sides[1].expose.push({ ips: ['10.20.0.64/26'], as: ['64:ff9b::/122'], nat: { mode: 'nat64' } });
    const d = desiredNat(doc, IDS, new Map(), new Set<NatMode>(['static']));
    expect(d.tables.natPools.size).to.equal(0);
    expect(d.tables.natStatic.size).to.equal(2);
    expect(desiredNat(doc, IDS, new Map(), ALL).tables.natStatic.size).to.equal(2);
  });

  it('writes nothing for a peering or VPC the vpc feature gave no id', () => {
    const d = desiredNat(natDoc(), { vrfs: IDS.vrfs, peerings: new Map() }, new Map(), ALL);
    expect([d.tables.natStatic.size, d.tables.natPools.size]).to.deep.equal([0, 0]);
  });
});

describe('nat: what the vpc feature routes and FRR originates', () => {
  const LIMITS = { maxVrfs: 16, reservedVrfs: new Set<number>(), maxPeerings: 65535, natModes: ALL };

  it('classify: each side reaches the other side`s `as` for NATed exposes, sources stay the real `ips`', () => {
    const { tables, problems } = desiredVpcTables(natDoc(), emptyAssignment(), LIMITS);
    expect(problems).to.deep.equal([]);
    const reaches = (vrf: number): string[] => values(tables.peeringRoutes).filter((r) => r.vrf === vrf).map((r) => `${r.prefix}->${r.dstVrf}`).sort();
    // blue (VRF 1) sees red's static prefixes, and its own pools and published address (hairpinning, RFC 4787 section 6).
    expect(reaches(1)).to.deep.equal(['192.168.20.128/25->2', '198.51.100.80/32->1', '2001:db8:f10::1/128->1', '2001:db8:f20::/64->2', '203.0.113.1/32->1'].sort());
    // red (VRF 2) sees blue's masquerade pools (the replies) and blue's published address.
    expect(reaches(2)).to.deep.equal(['198.51.100.80/32->1', '2001:db8:f10::1/128->1', '203.0.113.1/32->1'].sort());
    const sources = (vrf: number): string[] => values(tables.peeringSources).filter((s) => s.vrf === vrf).map((s) => s.prefix).sort();
    expect(sources(1)).to.deep.equal(['10.10.0.0/25', '10.10.0.200/32', '2001:db8:10::/64']);
    expect(sources(2)).to.deep.equal(['10.20.0.128/25', '2001:db8:20::/64']);
  });

  it('classify: a NAT expose the dataplane does not translate is left out, never routed untranslated', () => {
    const { tables } = desiredVpcTables(natDoc(), emptyAssignment(), { ...LIMITS, natModes: new Set() });
    expect(tables.peeringRoutes.size).to.equal(0);
    expect(tables.peeringSources.size).to.equal(0);
  });

  it('type-5: originates the `as` prefixes into the other VPC, and a VPC`s own pools into itself (hairpinning)', () => {
    const o = originations(natDoc());
    expect(o.get('blue')).to.deep.equal(['192.168.20.128/25', '198.51.100.80/32', '203.0.113.1/32', '2001:db8:f10::1/128', '2001:db8:f20::/64']);
    expect(o.get('red')).to.deep.equal(['198.51.100.80/32', '203.0.113.1/32', '2001:db8:f10::1/128']);
  });
});

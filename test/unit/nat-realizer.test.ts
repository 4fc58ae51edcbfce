// The NAT realizer and consumer over FakeNatDataplane (FakeDataplane's napt tables + a fake natStatic), applied
// with the vpc consumer through the config hub's atomic apply: what the dataplane holds is exactly what the
// document implies, changes are keyed diffs, and a refused write restores the previous generation exactly.
import { expect } from 'chai';
import { unsupported } from '../../agent/src/config/features.ts';
import { natDoc, natSetup } from './nat-fakes.ts';

const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
/** The napt tables in a stable order (a rewritten entry moves to the end of the fake's map). */
const napt = (t: { pools: unknown[]; prefixes: unknown[]; inside: unknown[]; forwards: unknown[] }) => ({ pools: sorted(t.pools), prefixes: sorted(t.prefixes), inside: sorted(t.inside), forwards: sorted(t.forwards) });

describe('nat: realizer and consumer over FakeNatDataplane', () => {
  it('realizes static, masquerade and portForward (nat64 stays NOT_SUPPORTED)', async () => {
    const s = natSetup();
    expect(s.nat.realizes).to.deep.equal(['nat.static', 'nat.masquerade', 'nat.portForward']);
    const doc = natDoc();
    doc.peerings[0]!.sides[1].expose.push({ ips: ['10.20.0.0/26'], as: ['64:ff9b::/122'], nat: { mode: 'nat64' } });
    const problems = unsupported(doc, new Set(['ports', 'bgp', 'bfd', 'vtep', 'staticRoutes', 'vpcs', 'peerings', ...s.nat.realizes]));
    expect(problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['NOT_SUPPORTED /peerings/0/sides/1/expose/2/nat']);
  });

  it('writes every NAT table of the document into the dataplane, with the VRFs and peering id the vpc feature gave', async () => {
    const s = natSetup();
    const r = await s.apply(natDoc());
    expect(r.problems).to.deep.equal([]);
    const t = s.dp.natTables();
    expect(t.pools.map((p) => `${p.pool} ${p.mode} vrf${p.vrf} peering${p.peering}`)).to.deep.equal(['1 masquerade vrf1 peering1', '2 masquerade vrf1 peering1', '3 portForward vrf1 peering1']);
    expect(sorted(t.prefixes)).to.deep.equal(sorted([{ pool: 1, prefix: '203.0.113.1/32' }, { pool: 2, prefix: '2001:db8:f10::1/128' }, { pool: 3, prefix: '198.51.100.80/32' }]));
    expect(sorted(t.inside)).to.deep.equal(sorted([{ pool: 1, prefix: '10.10.0.0/25' }, { pool: 2, prefix: '2001:db8:10::/64' }]));
    expect(t.forwards).to.have.length(2);
    expect(sorted(s.dp.natStatic())).to.deep.equal(sorted([
      { peering: 1, vrf: 2, ips: '10.20.0.128/25', as: '192.168.20.128/25' },
      { peering: 1, vrf: 2, ips: '2001:db8:20::/64', as: '2001:db8:f20::/64' },
    ]));
    // The classify tables route the `as` prefixes.
    expect(s.dp.peeringRoutes().filter((x) => x.vrf === 2).map((x) => x.prefix).sort()).to.deep.equal(['198.51.100.80/32', '2001:db8:f10::1/128', '203.0.113.1/32']);
  });

  it('re-applying the same document writes nothing; a changed port forward is one write, a removed expose only deletes', async () => {
    const s = natSetup();
    await s.apply(natDoc());
    s.dp.natCalls.length = 0;
    expect((await s.apply(natDoc())).ok).to.equal(true);
    expect(s.dp.natCalls).to.deep.equal([]);
    const d = natDoc();
    const pf = d.peerings[0]!.sides[0].expose[2]!.nat as { ports: { proto: 'tcp' | 'udp'; port: number; as: number }[] };
    pf.ports[0]!.port = 8081;
    expect((await s.apply(d)).ok).to.equal(true);
    expect(s.dp.natCalls).to.deep.equal(['setNatForwards 1']);
    expect(s.dp.natTables().forwards.find((f) => f.port === 80)?.insidePort).to.equal(8081);
    s.dp.natCalls.length = 0;
    d.peerings[0]!.sides[1].expose.pop();
    expect((await s.apply(d)).ok).to.equal(true);
    expect(s.dp.natCalls).to.deep.equal(['delNatStatic 1']);
  });

  it('a write the dataplane refuses is reported at the expose, and the previous generation is restored exactly', async () => {
    const s = natSetup();
    await s.apply(natDoc());
    const before = { nat: napt(s.dp.natTables()), statics: sorted(s.dp.natStatic()), routes: sorted(s.dp.peeringRoutes()) };
    const d = natDoc();
    d.peerings[0]!.sides[0].expose[0]!.as = ['203.0.113.4/30'];
    d.peerings[0]!.sides[1].expose[0]!.as = ['192.168.21.128/25'];
    s.dp.failNext = { method: 'setNatPoolPrefixes', index: 0, code: 'table_full' };
    const r = await s.apply(d);
    expect(r.ok).to.equal(false);
    expect(r.problems.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['REFUSED /peerings/0/sides/0/expose/0']);
    expect(r.problems[0]!.detail).to.include('table_full');
    expect(r.rollbackErrors).to.deep.equal([]);
    expect(napt(s.dp.natTables())).to.deep.equal(before.nat);
    expect(sorted(s.dp.natStatic())).to.deep.equal(before.statics);
    expect(sorted(s.dp.peeringRoutes())).to.deep.equal(before.routes);
  });

  it('removing the peering removes every NAT entry; the pool ids of exposes that stay are kept', async () => {
    const s = natSetup();
    await s.apply(natDoc());
    const d = natDoc();
    d.peerings[0]!.sides[0].expose.shift();
    await s.apply(d);
    expect(s.dp.natTables().pools.map((p) => p.pool)).to.deep.equal([2, 3]);
    d.peerings = [];
    expect((await s.apply(d)).ok).to.equal(true);
    expect(s.dp.natTables()).to.deep.equal({ pools: [], prefixes: [], inside: [], forwards: [] });
    expect(s.dp.natStatic().length).to.equal(0);
  });
});

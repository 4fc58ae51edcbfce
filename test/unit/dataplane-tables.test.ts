// The table schema's generated files are current, and the generated TS decoders (FakeDataplane's, twins of the
// addon's and gw-replay's C decoders) refuse and canonicalise items as the schema says.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { generate, OUT_C, OUT_TS } from '../../dataplane/tables/gen.ts';
import {
  decodeGroups,
  decodeNeighborsKey,
  decodeNexthops,
  decodeNexthopsKey,
  decodeRoutesApply,
  TABLE_RESULTS,
} from '../../dataplane/tables/gen/tables.gen.ts';

describe('dataplane table schema', () => {
  it('generated C header and TS module match dataplane/tables/tables.yaml (regenerate: npm run gen:tables)', () => {
    const { c, ts } = generate();
    expect(readFileSync(OUT_C, 'utf8'), 'dataplane/tables/gen/gw_tables.h is stale').to.equal(c);
    expect(readFileSync(OUT_TS, 'utf8'), 'dataplane/tables/gen/tables.gen.ts is stale').to.equal(ts);
  });

  it('lists the result codes once, in the C X-macro the addon exports', () => {
    const c = readFileSync(OUT_C, 'utf8');
    const names = [...c.slice(c.indexOf('#define GW_TABLE_RESULTS')).matchAll(/X\(\w+, "(\w+)"\)/g)].map((m) => m[1]);
    expect(names.slice(0, TABLE_RESULTS.length)).to.deep.equal([...TABLE_RESULTS]);
    expect(TABLE_RESULTS.slice(0, 2)).to.deep.equal(['ok', 'invalid']);
  });

  it('decodes route ops with canonical prefixes and refuses missing or out-of-range fields', () => {
    expect(decodeRoutesApply({ op: 'add', vrf: 0, prefix: '2001:DB8::7/32', target: { kind: 'unicast', group: 3 } }))
      .to.deep.equal({ op: 'add', vrf: 0, prefix: '2001:db8::/32', target: { kind: 'unicast', group: 3 } });
    expect(decodeRoutesApply({ op: 'del', vrf: 2, prefix: '10.1.2.3/8' })).to.deep.equal({ op: 'del', vrf: 2, prefix: '10.0.0.0/8' });
    const bad = [
      { op: 'add', prefix: '10.0.0.0/8', target: { kind: 'reject' } },
      { op: 'add', vrf: 0, prefix: '10.0.0.0/33', target: { kind: 'reject' } },
      { op: 'add', vrf: 0, prefix: '10.0.0.0/8', target: { kind: 'unicast', group: 0 } },
      { op: 'add', vrf: 0, prefix: '10.0.0.0/8', target: { kind: 'drop' } },
      { op: 'add', vrf: 0, prefix: '10.0.0.0/8', type: 'blackhole' },
      { op: 'add', vrf: -1, prefix: '10.0.0.0/8', target: { kind: 'local' } },
      { op: 'replace', vrf: 0, prefix: '10.0.0.0/8', target: { kind: 'local' } },
      { op: 'del', vrf: 0.5, prefix: '10.0.0.0/8' },
      '10.0.0.0/8',
      null,
    ];
    for (const b of bad) expect(decodeRoutesApply(b), JSON.stringify(b)).to.equal(undefined);
  });

  it('decodes nexthops, groups and neighbor keys within the schema ranges', () => {
    expect(decodeNexthops({ id: 1, port: 31, gateway: '2001:DB8::0:1' })).to.deep.equal({ id: 1, port: 31, gateway: '2001:db8::1' });
    expect(decodeNexthops({ id: 1, port: 0 })).to.deep.equal({ id: 1, port: 0 });
    expect(decodeNexthops({ id: 1, port: 32 })).to.equal(undefined);
    expect(decodeNexthops({ id: 1, port: 0, gateway: null })).to.equal(undefined);
    expect(decodeNexthopsKey(0)).to.equal(undefined);
    expect(decodeNexthopsKey(4294967295)).to.equal(4294967295);
    const members = (n: number, weight = 1): { nexthop: number; weight: number }[] =>
      Array.from({ length: n }, (_, i) => ({ nexthop: i + 1, weight }));
    expect(decodeGroups({ id: 1, members: members(64) })?.members).to.have.length(64);
    expect(decodeGroups({ id: 1, members: members(65) })).to.equal(undefined);
    expect(decodeGroups({ id: 1, members: [] })).to.equal(undefined);
    expect(decodeGroups({ id: 1, members: members(1, 65536) })).to.equal(undefined);
    expect(decodeGroups({ id: 1, members: [{ nexthop: 1 }] })).to.equal(undefined);
    expect(decodeNeighborsKey({ port: 1, ip: '10.0.0.1', mac: 'ignored' })).to.deep.equal({ port: 1, ip: '10.0.0.1' });
    expect(decodeNeighborsKey({ port: 1, ip: '10.0.0.256' })).to.equal(undefined);
  });
});

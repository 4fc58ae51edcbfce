// BGP policy as a network engineer reads it (issue 12): RFC 8212 stays on, so every session gets an import and an
// export route-map (the document's, its group's, or the safe defaults); the model's prefix lists, communities,
// local-preference and MED become FRR prefix-lists, community-lists and route-maps; passwords come from files
// and never show; drain is RFC 8326's graceful shutdown; raw fragments are checked by FRR's own parser.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { emptyState, type DesiredState } from '../../agent/src/config/model.ts';
import { validateDocument } from '../../agent/src/config/validate.ts';
import { checkFragments } from '../../agent/src/features/frr/fragments.ts';
import { effectiveSession } from '../../agent/src/features/frr/policy.ts';
import { redactSecrets, renderFrrConfig } from '../../agent/src/features/frr/render.ts';
import { readSecrets } from '../../agent/src/features/frr/secrets.ts';

const codes = (ps: { code: string; path: string }[]): string[] => ps.map((p) => `${p.code} ${p.path}`);

/** A gateway with two leafs in one group and a third neighbor that overrides the group. */
function fabric(): DesiredState {
  const s = emptyState();
  // emptyState's name and AS (gw, 65000) stand; only the router-id is this fabric's.
  s.gateway = Object.assign(s.gateway, {
    routerId: '10.255.0.1',
    neighborGroups: [{ name: 'leafs', import: 'fabric-in', export: 'own-and-ranked', maximumPrefix: { limit: 500, warningPercent: 90, restartMinutes: 2 }, ttlSecurityHops: 1 }],
    neighbors: [
      { ip: '10.0.1.0', asn: 65001, group: 'leafs' },
      { ip: 'fd00:1::1', asn: 65001, group: 'leafs' },
      { ip: '10.0.9.0', asn: 65009, group: 'leafs', import: 'nothing', maximumPrefix: { limit: 20 } },
      { ip: '10.0.8.0', asn: 65008 },
    ],
    policies: [
      {
        name: 'fabric-in',
        rules: [
          { action: 'deny', match: { prefixes: [{ prefix: '0.0.0.0/0' }, { prefix: '::/0' }] } },
          { action: 'permit', match: { prefixes: [{ prefix: '10.0.0.0/8', ge: 24, le: 32 }, { prefix: 'fd00::/8', le: 64 }] }, set: { localPreference: 200 } },
          { action: 'permit', match: { communities: ['65000:100', 'no-export'] }, set: { med: 50 } },
        ],
      },
      // A/B ranking (issue 12: the same model): the rank's community on what this gateway originates.
      { name: 'own-and-ranked', rules: [{ action: 'permit', match: { origin: 'gateway' }, set: { communities: ['65000:1'] } }] },
      { name: 'nothing', rules: [] },
    ],
  });
  return s;
}

const OPTS = { kernelForwarding: false, maximumPaths: 4 };

function lines(text: string): string[] {
  return text.split('\n');
}

describe('BGP policy: model, defaults and rendering (issue 12)', () => {
  it('keeps RFC 8212 on and gives a session the document names no policy for the safe defaults', () => {
    const text = renderFrrConfig(fabric(), OPTS);
    expect(text).to.not.contain('ebgp-requires-policy'); // FRR's default (on) is not shown, so not rendered
    const l = lines(text);
    // RFC 8212 section 2: no policy = nothing exchanged; the defaults are explicit route-maps instead.
    expect(l).to.include.members([
      '  neighbor 10.0.8.0 route-map GW-IMPORT-DEFAULT in',
      '  neighbor 10.0.8.0 route-map GW-EXPORT-DEFAULT out',
      '  neighbor 10.0.8.0 maximum-prefix 10000 restart 5',
      // default import: host routes only (loopbacks, VTEPs); default export: only what the gateway originates
      'ip prefix-list GW-HOST-ROUTES-4 seq 5 permit 0.0.0.0/0 ge 32',
      'ipv6 prefix-list GW-HOST-ROUTES-6 seq 5 permit ::/0 ge 128',
      'bgp as-path access-list GW-ORIGINATED seq 5 permit ^$',
    ]);
    const exp = l.indexOf('route-map GW-EXPORT-DEFAULT permit 10');
    expect(l.slice(exp, exp + 3)).to.deep.equal(['route-map GW-EXPORT-DEFAULT permit 10', ' match as-path GW-ORIGINATED', 'exit']);
  });

  it('applies a group to its members; a member overrides what it sets itself', () => {
    const s = fabric();
    expect(effectiveSession(s.gateway.neighbors[0]!, s)).to.deep.equal({
      import: 'POL-fabric-in',
      export: 'POL-own-and-ranked',
      maximumPrefix: { limit: 500, warningPercent: 90, restartMinutes: 2 },
      ttlSecurityHops: 1,
    });
    expect(effectiveSession(s.gateway.neighbors[2]!, s)).to.deep.include({
      import: 'POL-nothing',
      export: 'POL-own-and-ranked',
      maximumPrefix: { limit: 20, warningPercent: 75, restartMinutes: 5 },
    });
    const l = lines(renderFrrConfig(s, OPTS));
    expect(l).to.include.members([
      '  neighbor 10.0.1.0 route-map POL-fabric-in in',
      '  neighbor 10.0.1.0 maximum-prefix 500 90 restart 2',
      '  neighbor fd00:1::1 route-map POL-own-and-ranked out',
      '  neighbor 10.0.9.0 route-map POL-nothing in',
      // FRR's default threshold (75) is not shown by show running-config: left out, or frr-reload re-applies it.
      '  neighbor 10.0.9.0 maximum-prefix 20 restart 5',
      ' neighbor 10.0.1.0 ttl-security hops 1',
      // what was filtered stays visible (received-routes) and countable
      '  neighbor 10.0.1.0 soft-reconfiguration inbound',
    ]);
  });

  it('renders prefix lists with ge/le per family, community match/set, local-preference and MED, first match wins', () => {
    const text = renderFrrConfig(fabric(), OPTS);
    const l = lines(text);
    expect(l).to.include.members([
      'ip prefix-list POL-fabric-in-10-4 seq 5 permit 0.0.0.0/0',
      'ipv6 prefix-list POL-fabric-in-10-6 seq 5 permit ::/0',
      'ip prefix-list POL-fabric-in-20-4 seq 5 permit 10.0.0.0/8 ge 24 le 32',
      'ipv6 prefix-list POL-fabric-in-20-6 seq 5 permit fd00::/8 le 64',
      // any of the communities: one line each (a line with two would need both)
      'bgp community-list standard POL-fabric-in-30 seq 5 permit 65000:100',
      'bgp community-list standard POL-fabric-in-30 seq 10 permit no-export',
    ]);
    const rm = text.slice(text.indexOf('route-map POL-fabric-in '), text.indexOf('route-map POL-own-and-ranked'));
    expect(lines(rm.trim())).to.deep.equal([
      'route-map POL-fabric-in deny 10',
      ' match ip address prefix-list POL-fabric-in-10-4',
      'exit',
      'route-map POL-fabric-in deny 11',
      ' match ipv6 address prefix-list POL-fabric-in-10-6',
      'exit',
      'route-map POL-fabric-in permit 20',
      ' match ip address prefix-list POL-fabric-in-20-4',
      ' set local-preference 200',
      'exit',
      'route-map POL-fabric-in permit 21',
      ' match ipv6 address prefix-list POL-fabric-in-20-6',
      ' set local-preference 200',
      'exit',
      'route-map POL-fabric-in permit 30',
      ' match community POL-fabric-in-30',
      ' set metric 50',
      'exit',
      '!',
    ]);
    expect(text).to.contain('route-map POL-own-and-ranked permit 10\n match as-path GW-ORIGINATED\n set community 65000:1 additive\nexit');
    // A policy with no rule refuses everything, explicitly.
    expect(text).to.contain('route-map POL-nothing deny 10\nexit');
  });

  it('announces the VTEP /32 next to the router-id (the default export lets both out)', () => {
    const s = fabric();
    s.gateway.vtep = { ip: '10.255.1.1', mac: '02:00:00:00:00:01' };
    const text = renderFrrConfig(s, OPTS);
    expect(text).to.contain('  network 10.255.0.1/32\n  network 10.255.1.1/32\n');
  });

  it('drains with RFC 8326 graceful shutdown (GRACEFUL_SHUTDOWN out, local-preference 0 in) and undrains', () => {
    expect(renderFrrConfig(fabric(), { ...OPTS, drained: true })).to.match(/^ bgp graceful-shutdown$/m);
    expect(renderFrrConfig(fabric(), { ...OPTS, drained: false })).to.not.contain('graceful-shutdown');
  });

  it('reports every policy problem at its path', () => {
    const d = fabric();
    d.gateway.neighbors[0]!.group = 'spines';
    d.gateway.neighbors[1]!.export = 'nope';
    d.gateway.neighborGroups![0]!.import = 'gone';
    d.gateway.neighborGroups![0]!.bfdProfile = 'fast';
    d.gateway.neighborGroups!.push({ name: 'leafs' });
    d.gateway.policies!.push({ name: 'nothing', rules: [] });
    const r = d.gateway.policies![0]!.rules;
    r[1]!.match!.prefixes!.push({ prefix: '10.0.0.0/8', ge: 8 }, { prefix: '10.0.0.0/8', ge: 28, le: 24 }, { prefix: '10.0.0.0/8', le: 33 }, { prefix: '10.0.0.1/8' });
    r[2]!.match!.communities!.push('70000:1', '65535:1', 'bogus');
    r[0]!.set = { med: 1 };
    d.gateway.frrFragments = { routerBgp: ' bgp bestpath med missing-as-worst\n address-family ipv4 unicast\n exit-address-family\nexit\nrouter ospf' };
    expect(codes(validateDocument(d))).to.have.members([
      'NO_SUCH_REF /gateway/neighbors/0/group',
      'NO_SUCH_REF /gateway/neighbors/1/export',
      'NO_SUCH_REF /gateway/neighborGroups/0/import',
      'NO_SUCH_REF /gateway/neighborGroups/0/bfdProfile',
      'DUPLICATE /gateway/neighborGroups/1/name',
      'DUPLICATE /gateway/policies/3/name',
      'INVALID_VALUE /gateway/policies/0/rules/1/match/prefixes/2/ge',
      'INVALID_VALUE /gateway/policies/0/rules/1/match/prefixes/3/le',
      'INVALID_VALUE /gateway/policies/0/rules/1/match/prefixes/4/le',
      'INVALID_VALUE /gateway/policies/0/rules/1/match/prefixes/5/prefix',
      'INVALID_VALUE /gateway/policies/0/rules/2/match/communities/2',
      'INVALID_VALUE /gateway/policies/0/rules/2/match/communities/3',
      'INVALID_VALUE /gateway/policies/0/rules/2/match/communities/4',
      'INVALID_VALUE /gateway/policies/0/rules/0/set',
      // `exit` and `router ...` would leave the router bgp block (exit-address-family does not)
      'INVALID_VALUE /gateway/frrFragments/routerBgp',
    ]);
    expect(validateDocument(fabric())).to.deep.equal([]);
  });
});

describe('BGP session protection: passwords from secret files (RFC 2385), GTSM (RFC 5082)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gw-secret-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withPassword = (file: string): DesiredState => {
    const s = fabric();
    s.gateway.neighbors[3]!.passwordFile = file;
    return s;
  };

  it('renders the password read from the file, and redacts it from what is shown', () => {
    const f = join(dir, 'leaf8.pw');
    writeFileSync(f, 'S3cr3t-pw\n', { mode: 0o600 });
    const s = withPassword(f);
    const { secrets, problems } = readSecrets(s);
    expect(problems).to.deep.equal([]);
    const text = renderFrrConfig(s, { ...OPTS, secrets });
    expect(text).to.contain(' neighbor 10.0.8.0 password S3cr3t-pw\n');
    const shown = redactSecrets(text);
    expect(shown).to.contain(' neighbor 10.0.8.0 password <redacted>\n');
    expect(shown).to.not.contain('S3cr3t');
    // the document only names the file
    expect(JSON.stringify(s)).to.not.contain('S3cr3t');
  });

  it('refuses a missing, world-readable or malformed secret file at the field naming it, never quoting it', () => {
    const bad = join(dir, 'bad.pw');
    writeFileSync(bad, 'two words\n', { mode: 0o600 });
    const open = join(dir, 'open.pw');
    writeFileSync(open, 'fine\n');
    chmodSync(open, 0o644);
    const s = fabric();
    s.gateway.neighbors[3]!.passwordFile = join(dir, 'missing.pw');
    s.gateway.neighborGroups![0]!.passwordFile = bad;
    s.gateway.neighbors[2]!.passwordFile = open;
    const { problems } = readSecrets(s);
    expect(codes(problems)).to.have.members([
      'INVALID_VALUE /gateway/neighbors/3/passwordFile',
      'INVALID_VALUE /gateway/neighborGroups/0/passwordFile',
      'INVALID_VALUE /gateway/neighbors/2/passwordFile',
    ]);
    expect(problems.map((p) => p.detail).join(' ')).to.not.contain('two words').and.not.contain('fine');
  });
});

describe('raw FRR fragments: checked by FRR (vtysh --dryrun) before anything is applied', () => {
  it('accepts what FRR parses and refuses a line FRR does not know at its fragment, with FRR\'s message', () => {
    const s = fabric();
    s.gateway.frrFragments = { routerBgp: ' bgp bestpath med missing-as-worst', global: 'ip prefix-list EXTRA seq 5 permit 192.0.2.0/24' };
    expect(checkFragments(s, renderFrrConfig(s, OPTS))).to.deep.equal([]);
    s.gateway.frrFragments = { routerBgp: ' bgp bestpath med missing-as-worst\n bgp frobnicate', global: 'ip prefix-list EXTRA seq 5 permit 192.0.2.0/24\nfoo bar' };
    const p = checkFragments(s, renderFrrConfig(s, OPTS));
    expect(codes(p)).to.deep.equal(['INVALID_VALUE /gateway/frrFragments/routerBgp', 'INVALID_VALUE /gateway/frrFragments/global']);
    expect(p[0]!.detail).to.match(/line 2 "bgp frobnicate": % Unknown command/);
    expect(p[1]!.detail).to.match(/line 2 "foo bar": % Unknown command/);
  });

  it('costs nothing for a document without fragments', () => {
    expect(checkFragments(fabric(), 'this would not parse\n')).to.deep.equal([]);
  });
});

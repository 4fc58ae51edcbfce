// The rendered frr.conf is what bgpd/bfdd/zebra run: these are the lines an operator would miss first
// (sessions that exchange nothing on Debian's defaults, no ECMP, kernel forwarding left on).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { emptyState, type DesiredState } from '../../agent/src/config/model.ts';
import { parseFrrOptions, staticRoutesViaZebra } from '../../agent/src/features/frr/options.ts';
import { renderFrrConfig, renderProblems, type RenderOptions } from '../../agent/src/features/frr/render.ts';
import { reloadFailures } from '../../agent/src/features/frr/reload.ts';

function spec(): DesiredState {
  const s = emptyState();
  s.gateway = {
    ...s.gateway,
    name: 'gw1',
    asn: 65000,
    routerId: '10.255.0.1',
    neighbors: [
      { ip: '10.0.1.0', asn: 65001, bfdProfile: 'fast' },
      { ip: 'fd00:1::1', asn: 65001, port: 'eth1' },
    ],
    bfdProfiles: [{ name: 'fast', detectMultiplier: 3, receiveIntervalMs: 100, transmitIntervalMs: 50 }],
  };
  s.staticRoutes = [
    { prefix: '198.51.100.0/24', nexthops: [{ ip: '10.0.1.0', port: 'eth1' }, { ip: '10.0.2.0' }], distance: 10 },
    { prefix: '2001:db8:60::/48', nexthops: [{ ip: 'FE80::0:7', port: 'eth2' }] },
    { prefix: '203.0.113.0/24', nexthops: [], blackhole: true, distance: 1 },
    { prefix: '2001:db8:61::/48', nexthops: [], reject: true, distance: 250 },
    { vpc: 'blue', prefix: '10.10.0.0/16', nexthops: [], blackhole: true },
  ];
  return s;
}

const OPTS: RenderOptions = { kernelForwarding: false, maximumPaths: 4, staticRoutes: true, interfaces: { eth2: 'gw-tap2' } };
const render = (s = spec(), kernelForwarding = false): string => renderFrrConfig(s, { ...OPTS, kernelForwarding });

/** The same value with every object's keys inserted in reverse order (as another writer's JSON may list them). */
function keysReversed<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x: unknown) => keysReversed(x)) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, keysReversed(x)])) as T;
}

/** renderFrrConfig in a fresh node process, the document handed over as JSON (as the agent reads it from the store). */
function renderInChild(s: DesiredState, o: RenderOptions): string {
  const code = [
    'const { renderFrrConfig } = await import(process.argv[1]);',
    "let doc = ''; for await (const c of process.stdin) doc += c;",
    'const { s, o } = JSON.parse(doc);',
    'process.stdout.write(renderFrrConfig(s, o));',
  ].join('\n');
  const renderUrl = new URL('../../agent/src/features/frr/render.ts', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, renderUrl], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    input: JSON.stringify({ s, o }),
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout;
}

/** Lines of the block that starts with `head` (up to the matching exit). */
function block(text: string, head: string): string[] {
  const lines = text.split('\n');
  const i = lines.indexOf(head);
  expect(i, `missing "${head}"`).to.be.greaterThan(-1);
  const end = lines.findIndex((l, j) => j > i && l === head.replace(/\S.*/, '') + (head.trim().startsWith('address-family') ? 'exit-address-family' : 'exit'));
  return lines.slice(i + 1, end);
}

describe('FRR rendering', () => {
  it('keeps RFC 8212 on (no `no bgp ebgp-requires-policy`), with ECMP and FIB suppression', () => {
    const bgp = block(render(), 'router bgp 65000');
    expect(render()).to.not.contain('ebgp-requires-policy');
    expect(bgp).to.include.members([
      ' bgp router-id 10.255.0.1',
      ' no bgp default ipv4-unicast',
      ' bgp bestpath as-path multipath-relax',
      ' bgp suppress-fib-pending',
      ' bgp log-neighbor-changes',
      ' neighbor 10.0.1.0 remote-as 65001',
      ' neighbor fd00:1::1 remote-as 65001',
      ' neighbor fd00:1::1 update-source eth1',
    ]);
  });

  it('activates each neighbor only in its own address family and announces the router-id', () => {
    const text = render();
    const v4 = block(text, ' address-family ipv4 unicast');
    const v6 = block(text, ' address-family ipv6 unicast');
    expect(v4).to.include.members(['  network 10.255.0.1/32', '  neighbor 10.0.1.0 activate', '  maximum-paths 4']);
    expect(v4).to.not.include('  neighbor fd00:1::1 activate');
    expect(v6).to.include.members(['  neighbor fd00:1::1 activate', '  maximum-paths 4']);
    expect(v6).to.not.include('  neighbor 10.0.1.0 activate');
  });

  it('renders BFD profiles and binds them only to neighbors that name one', () => {
    const text = render();
    // Defaults (multiplier 3, 300 ms) are left out: FRR does not show them, frr-reload would re-apply them.
    expect(block(text, 'bfd')).to.deep.equal([' profile fast', '  receive-interval 100', '  transmit-interval 50', ' exit']);
    expect(text).to.contain(' neighbor 10.0.1.0 bfd profile fast');
    expect(text).to.not.match(/neighbor fd00:1::1 bfd/);
  });

  it('states kernel forwarding explicitly both ways (frr-reload would otherwise turn it on)', () => {
    expect(render(spec(), false)).to.match(/^no ip forwarding$/m).and.match(/^no ipv6 forwarding$/m);
    expect(render(spec(), true)).to.match(/^ip forwarding$/m).and.match(/^ipv6 forwarding$/m);
  });

  it('omits the IPv6 family and the bfd block when nothing needs them', () => {
    const s = spec();
    s.gateway.neighbors = [{ ip: '10.0.1.0', asn: 65001 }];
    s.gateway.bfdProfiles = [];
    const text = render(s);
    expect(text).to.not.contain('address-family ipv6');
    expect(text).to.not.match(/^bfd$/m);
  });

  it('redistributes connected networks only when the boot config asks for it', () => {
    expect(render()).to.not.contain('redistribute connected');
    const text = renderFrrConfig(spec(), { kernelForwarding: false, maximumPaths: 4, redistributeConnected: true });
    expect(block(text, ' address-family ipv4 unicast')).to.include('  redistribute connected');
    expect(block(text, ' address-family ipv6 unicast')).to.include('  redistribute connected');
  });

  it('enables BGP graceful restart with preserved forwarding state (RFC 4724 section 3, F bit) so peers ride through a bgpd restart', () => {
    const b = block(render(), 'router bgp 65000');
    expect(b).to.include(' bgp graceful-restart');
    expect(b).to.include(' bgp graceful-restart preserve-fw-state');
    // Our BFD says it shares fate with the control plane (C bit clear): the peers' check-control-plane-failure
    // can then ride through a restart of our bfdd. Setting it here would set the C bit.
    expect(b).to.not.include('check-control-plane-failure');
  });

  it('is deterministic: a fixed document renders the golden text (frr-render.golden.conf), whatever its key order, in another process too', () => {
    // frr-reload diffs this text against the running config: a render that depended on key insertion order,
    // process state or time would show a change (and reload) for an unchanged generation.
    const golden = readFileSync(new URL('./frr-render.golden.conf', import.meta.url), 'utf8');
    const reordered = keysReversed(spec());
    expect(JSON.stringify(reordered)).to.not.equal(JSON.stringify(spec()));
    expect(render()).to.equal(golden);
    expect(render(reordered)).to.equal(golden);
    expect(renderInChild(reordered, OPTS)).to.equal(golden);
  });

  it('renders underlay static routes for staticd in the canonical form FRR shows, default distance left out', () => {
    const lines = render().split('\n').filter((l) => / route /.test(l));
    expect(lines).to.deep.equal([
      'ip route 198.51.100.0/24 10.0.1.0 eth1 10',
      'ip route 198.51.100.0/24 10.0.2.0 10',
      // a link-local next hop through the kernel interface (punt tap) of its port
      'ipv6 route 2001:db8:60::/48 fe80::7 gw-tap2',
      'ip route 203.0.113.0/24 blackhole',
      'ipv6 route 2001:db8:61::/48 reject 250',
    ]);
    // Without staticd the routes are not FRR's to realize (the dataplane writes them).
    expect(renderFrrConfig(spec(), { kernelForwarding: false, maximumPaths: 4 })).to.not.match(/ route /);
  });

  it('refuses static routes in VPCs when it realizes static routes (FRR has no VPC VRFs yet)', () => {
    expect(renderProblems(spec(), { staticRoutes: true }).map((p) => `${p.code} ${p.path}`)).to.deep.equal(['NOT_SUPPORTED /staticRoutes/4/vpc']);
    expect(renderProblems(spec(), {})).to.deep.equal([]);
  });

  it('renders an unnumbered neighbor on its port\'s kernel interface, active in both families (RFC 8950 next hops)', () => {
    const s = spec();
    s.gateway.neighbors = [{ port: 'eth2', asn: 'external', bfdProfile: 'fast' }, { port: 'eth1', asn: 65001 }];
    const text = render(s);
    expect(text).to.include(' neighbor gw-tap2 interface remote-as external\n neighbor gw-tap2 bfd\n neighbor gw-tap2 bfd profile fast\n');
    expect(text).to.include(' neighbor eth1 interface remote-as 65001\n');
    // FRR turns extended next hop on by itself for interface peers and does not print it: rendering it would
    // make every frr-reload see a difference.
    expect(text).to.not.match(/extended-nexthop/);
    const v4 = text.slice(text.indexOf(' address-family ipv4 unicast'), text.indexOf(' address-family ipv6 unicast'));
    const v6 = text.slice(text.indexOf(' address-family ipv6 unicast'));
    for (const af of [v4, v6]) expect(af).to.include('  neighbor gw-tap2 activate\n').and.include('  neighbor eth1 activate\n');
  });

  it("sources a BGP session from the port's kernel interface", () => {
    const s = spec();
    s.gateway.neighbors.push({ ip: 'fe80::9', asn: 65009, port: 'eth2' });
    expect(render(s)).to.include(' neighbor fe80::9 update-source gw-tap2');
  });
});

describe('FRR boot options', () => {
  it('defaults: instance = gateway instance, kernel forwarding off, bgpd + bfdd + staticd', () => {
    const o = parseFrrOptions({ plugin: false }, 'gw7');
    expect(o).to.deep.include({ instance: 'gw7', plugin: null, kernelForwarding: false, maximumPaths: 8, daemons: ['bgpd', 'bfdd', 'staticd'] });
  });

  it('hands static routes to zebra only when staticd runs and the plugin feeds the dataplane', () => {
    const boot = (frr: unknown, cpi = true) => ({
      instance: 'gw', runDir: '/run/x', stateDir: '/var/x',
      sections: { ...(frr !== undefined ? { frr } : {}), ...(cpi ? { cpi: { endpoint: 'ipc:///run/x/zebra.sock' } } : {}) },
    });
    expect(staticRoutesViaZebra(boot({ plugin: '/bin/true' }))).to.equal(true);
    expect(staticRoutesViaZebra(boot({ plugin: '/bin/true', daemons: ['bgpd', 'bfdd'] }))).to.equal(false);
    expect(staticRoutesViaZebra(boot({ plugin: false }))).to.equal(false);
    expect(staticRoutesViaZebra(boot(undefined))).to.equal(false);
  });

  it('loads the plugin only when the agent listens for it, with the agent\'s endpoint', () => {
    expect(parseFrrOptions({}, 'gw').plugin).to.equal(null);
    const so = '/bin/true';
    expect(parseFrrOptions({ plugin: so }, 'gw', 'ipc:///run/x/zebra.sock').plugin).to.equal(`${so}:endpoint=ipc:///run/x/zebra.sock`);
    expect(parseFrrOptions({ plugin: so, pluginArgs: 'endpoint=ipc:///y,kernel=1' }, 'gw').plugin).to.equal(`${so}:endpoint=ipc:///y,kernel=1`);
    expect(() => parseFrrOptions({ plugin: so }, 'gw')).to.throw(/needs the agent endpoint/);
  });

  it('refuses unknown keys, bad instance names and plugin paths with ":"', () => {
    expect(() => parseFrrOptions({ bogus: 1 }, 'gw')).to.throw(/boot\.frr\.bogus: unknown key/);
    expect(() => parseFrrOptions({ instance: 'a/b' }, 'gw')).to.throw(/boot\.frr\.instance/);
    expect(() => parseFrrOptions({ plugin: '/x:y.so' }, 'gw')).to.throw(/boot\.frr\.plugin/);
    expect(() => parseFrrOptions({ plugin: '/nonexistent.so' }, 'gw')).to.throw(/does not exist/);
    expect(() => parseFrrOptions({ maximumPaths: 0 }, 'gw')).to.throw(/maximumPaths/);
  });
});

describe('frr-reload failure extraction', () => {
  it('keeps the daemon refusals and drops colour codes and vtysh.conf noise', () => {
    const out = [
      "% Can't open configuration file /etc/frr/gw/vtysh.conf due to 'No such file or directory'.",
      '2026-11-21 20:07:16,987 \x1b[91mWARNING\x1b[0m: frr-reload.py failed due to',
      'line 2: % Unknown command[25]:  bgp bogus',
    ].join('\n');
    const f = reloadFailures(out);
    expect(f.some((l) => l.includes('Unknown command'))).to.equal(true);
    expect(f.join(' ')).to.not.contain('\x1b');
    expect(f.join(' ')).to.not.contain('vtysh.conf');
  });
});

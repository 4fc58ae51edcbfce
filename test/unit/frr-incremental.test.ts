// Which FRR changes are applied as just their lines (a peering's `network` lines, a whole new VPC) and which go
// through the full reload, on configs rendered from documents by the real renderer; and the read-back check.
import { expect } from 'chai';
import { emptyState, type DesiredState } from '../../agent/src/config/model.ts';
import { overlayFrrText } from '../../agent/src/features/evpn/frr-text.ts';
import { planIncremental, readBackMismatches, splitConfig, type IncrementalPlan } from '../../agent/src/features/frr/incremental.ts';
import { renderFrrConfig } from '../../agent/src/features/frr/render.ts';

function doc(): DesiredState {
  const s = emptyState();
  s.gateway = { ...s.gateway, name: 'gw1', asn: 65000, routerId: '10.255.0.1', vtep: { ip: '10.255.0.2', mac: '02:00:00:00:aa:01' }, neighbors: [{ ip: '10.0.1.0', asn: 65001 }] };
  s.vpcs = ['A', 'B', 'C'].map((name, i) => ({ name, id: name.toLowerCase(), vni: 5000 + i, subnets: [{ name: 's', cidr: `10.${10 + i}.0.0/16` }] }));
  s.peerings = [{ name: 'a-b', sides: [{ vpc: 'A', expose: [{ ips: ['10.10.1.0/24'] }] }, { vpc: 'B', expose: [{ ips: ['10.11.0.0/16', 'fd00:b::/48'] }] }] }];
  return s;
}
const render = (d: DesiredState, drained = false): string =>
  renderFrrConfig(d, { kernelForwarding: false, maximumPaths: 8, drained, extra: overlayFrrText(d, { netnsDir: '/run/gw1/netns' }) });
const plan = (a: DesiredState, b: DesiredState): IncrementalPlan => {
  const p = planIncremental(render(a), render(b));
  if ('fallback' in p) throw new Error(`fallback: ${p.fallback}`);
  return p;
};
const fallback = (a: string, b: string): string => {
  const p = planIncremental(a, b);
  return 'fallback' in p ? p.fallback : 'incremental';
};

describe('frr: incremental apply plan', () => {
  it('a peering added is its network lines in the two VRFs it originates into, nothing else', () => {
    const b = doc();
    b.peerings.push({ name: 'a-c', sides: [{ vpc: 'A', expose: [{ ips: ['10.10.2.0/24'] }] }, { vpc: 'C', expose: [{ ips: ['10.12.0.0/16'] }] }] });
    const p = plan(doc(), b);
    expect(p.commands).to.deep.equal([
      'configure terminal',
      'router bgp 65000 vrf A',
      'address-family ipv4 unicast',
      'network 10.12.0.0/16',
      'exit-address-family',
      'exit',
      'router bgp 65000 vrf C',
      'address-family ipv4 unicast',
      'network 10.10.2.0/24',
      'exit-address-family',
      'exit',
      'end',
    ]);
    expect(p.summary).to.deep.equal({ networksAdded: 2, networksRemoved: 0, vrfsAdded: [] });
    expect(p.bgpVrfs).to.deep.equal(['A', 'C']);
  });

  it('a peering removed is `no network` of its lines, an address family emptied included', () => {
    const b = doc();
    b.peerings = [];
    const p = plan(doc(), b);
    expect(p.commands).to.include.members(['no network 10.11.0.0/16', 'no network fd00:b::/48', 'no network 10.10.1.0/24', 'address-family ipv6 unicast']);
    expect(p.commands.filter((c) => c.startsWith('network '))).to.deep.equal([]);
    expect(p.summary.networksRemoved).to.equal(3);
  });

  it('an unchanged document is no command at all', () => {
    expect(plan(doc(), doc()).commands).to.deep.equal(['configure terminal', 'end']);
  });

  it('a VPC added is its zebra vrf block (vni, netns) then its bgp VRF block, whole', () => {
    const b = doc();
    b.vpcs.push({ name: 'D', id: 'd', vni: 5003, subnets: [{ name: 's', cidr: '10.13.0.0/16' }] });
    const p = plan(doc(), b);
    expect(p.commands.slice(0, 6)).to.deep.equal(['configure terminal', 'vrf D', 'vni 5003', 'netns /run/gw1/netns/D', 'exit-vrf', 'router bgp 65000 vrf D']);
    expect(p.commands).to.include('advertise ipv4 unicast');
    expect(p.summary.vrfsAdded).to.deep.equal(['D']);
    expect(p.zebraVrfs).to.deep.equal(['D']);
  });

  it('falls back to the full reload for what it does not know how to apply', () => {
    const removed = doc();
    removed.vpcs.pop();
    expect(fallback(render(doc()), render(removed))).to.equal('VRF C removed');
    expect(fallback(render(doc()), render(doc(), true))).to.equal('outside the VRF blocks'); // drain
    const vni = doc();
    vni.vpcs[2]!.vni = 7777;
    expect(fallback(render(doc()), render(vni))).to.equal('zebra vrf C');
    const rid = doc();
    rid.gateway.routerId = '10.255.0.9';
    expect(fallback(render(doc()), render(rid))).to.equal('outside the VRF blocks');
    // A line the overlay never renders inside a bgp VRF block, next to the network lines.
    const a = render(doc());
    expect(fallback(a, a.replace(' no bgp network import-check\n', ''))).to.equal('router bgp vrf A: more than network lines');
    expect(fallback(a, a.replace('  network 10.11.0.0/16\n', '  network 10.11.0.0/16\n  redistribute connected\n'))).to.equal('router bgp vrf A: more than network lines');
  });

  it('cuts a config into the rest, zebra vrf blocks and bgp VRF blocks, whatever the indentation and separators', () => {
    const p = splitConfig('hostname x\n!\nvrf A\n vni 1\nexit-vrf\n!\nrouter bgp 1\n neighbor y remote-as 2\nexit\n!\nrouter bgp 1 vrf A\n bgp router-id 1.1.1.1\nexit\n');
    expect(p.rest).to.deep.equal(['hostname x', 'router bgp 1', 'neighbor y remote-as 2', 'exit']);
    expect(p.zebraVrfs.get('A')).to.deep.equal(['vrf A', 'vni 1', 'exit-vrf']);
    expect(p.bgpVrfs.get('A')).to.deep.equal(['router bgp 1 vrf A', 'bgp router-id 1.1.1.1', 'exit']);
  });
});

describe('frr: incremental apply read-back', () => {
  const b = doc();
  b.peerings.push({ name: 'a-c', sides: [{ vpc: 'A', expose: [{ ips: ['10.10.2.0/24'] }] }, { vpc: 'C', expose: [{ ips: ['10.12.0.0/16'] }] }] });
  const p = plan(doc(), b);

  it('accepts the running config showing the touched blocks as rendered, network lines in FRR\'s own order', () => {
    const running = render(b).replace('  network 10.11.0.0/16\n  network 10.12.0.0/16\n', '  network 10.12.0.0/16\n  network 10.11.0.0/16\n');
    expect(running).to.not.equal(render(b));
    expect(readBackMismatches(p, render(b), running)).to.deep.equal([]);
  });

  it('names a touched block whose lines did not all take, or that a restarted daemon no longer has', () => {
    expect(readBackMismatches(p, render(b), render(doc()))).to.deep.equal(['router bgp vrf A', 'router bgp vrf C']);
    const empty = render(b).replace(/router bgp 65000 vrf C\n[\s\S]*?\nexit\n/, 'router bgp 65000 vrf C\n  network 10.10.2.0/24\nexit\n');
    expect(readBackMismatches(p, render(b), empty)).to.deep.equal(['router bgp vrf C']);
  });
});

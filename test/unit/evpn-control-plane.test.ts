// The overlay's control plane as pure functions of the document: which type-5 prefixes the gateway originates
// into which VPC (a peering leaks exactly what the other side exposes, nothing learned), what FRR is told,
// which netdevs exist per VPC (netns backend) and the kernel VRF backend's plan; zebra's VRF ids of the VPCs.
import { expect } from 'chai';
import { pino } from 'pino';
import { emptyState, type DesiredState } from '../../agent/src/config/model.ts';
import { renderFrrConfig } from '../../agent/src/features/frr/render.ts';
import { FrrContributions } from '../../agent/src/features/frr/contrib.ts';
import { overlayFrrText } from '../../agent/src/features/evpn/frr-text.ts';
import { kernelVrfPlan, vrfTable } from '../../agent/src/features/evpn/kernel-vrf-plan.ts';
import { netnsBackendIntent, vniByNetdev } from '../../agent/src/features/evpn/netdevs.ts';
import { originations, overlayVpcs } from '../../agent/src/features/evpn/overlay.ts';
import { EvpnService } from '../../agent/src/features/evpn/service.ts';
import { parseShowVrf, ZebraVrfMap } from '../../agent/src/features/evpn/zebra-vrfs.ts';

function doc(): DesiredState {
  const s = emptyState();
  s.gateway = { ...s.gateway, name: 'gw1', asn: 65000, routerId: '10.255.0.1', vtep: { ip: '10.255.0.2', mac: '02:00:00:00:AA:01' }, neighbors: [{ ip: '10.0.1.0', asn: 65001 }] };
  s.vpcs = [
    { name: 'A', id: 'a1', vni: 5000, subnets: [{ name: 's', cidr: '10.10.0.0/16' }, { name: 's6', cidr: 'fd00:a::/48' }] },
    { name: 'B', id: 'b1', vni: 6000, subnets: [{ name: 's', cidr: '10.20.0.0/16' }] },
    { name: 'C', id: 'c1', vni: 7000, subnets: [{ name: 's', cidr: '10.30.0.0/16' }] },
  ];
  s.peerings = [
    {
      name: 'a-b',
      sides: [
        { vpc: 'A', expose: [{ ips: ['fd00:a:0:1::/64', '10.10.1.0/24', '10.10.0.0/24'] }] },
        { vpc: 'B', expose: [{ ips: [], default: true }] },
      ],
    },
  ];
  return s;
}

describe('evpn: type-5 originations from peerings', () => {
  it('originates into each side exactly what the other side exposes; a default expose is 0.0.0.0/0 and ::/0', () => {
    const o = originations(doc());
    expect(o.get('A')).to.deep.equal(['0.0.0.0/0', '::/0']);
    expect(o.get('B')).to.deep.equal(['10.10.0.0/24', '10.10.1.0/24', 'fd00:a:0:1::/64']);
    expect(o.get('C')).to.deep.equal([]);
  });

  it('originates the translated prefixes of a NAT expose (what the other side sees)', () => {
    const d = doc();
    d.peerings[0]!.sides[0].expose = [{ ips: ['10.10.0.0/24'], as: ['192.168.10.0/24'], nat: { mode: 'static' } }];
    expect(originations(d).get('B')).to.deep.equal(['192.168.10.0/24']);
  });

  it('leaves out peerings of a gateway group this gateway is not a member of', () => {
    const d = doc();
    d.groups = [{ name: 'g2', members: [{ name: 'gw9', priority: 1 }] }];
    d.peerings[0]!.group = 'g2';
    expect(originations(d).get('B')).to.deep.equal([]);
    d.groups[0]!.members.push({ name: 'gw1', priority: 2 });
    expect(originations(d).get('B')).to.have.length(3);
  });

  it('a removed peering originates nothing any more', () => {
    const d = doc();
    d.peerings = [];
    expect([...originations(d).values()].flat()).to.deep.equal([]);
  });
});

describe('evpn: FRR text', () => {
  const contrib = new FrrContributions();
  contrib.add(overlayFrrText);
  const conf = renderFrrConfig(doc(), { kernelForwarding: false, maximumPaths: 8, extra: contrib.render(doc()) });

  it('ties each VPC VRF to its L3VNI in zebra', () => {
    expect(conf).to.contain('vrf A\n vni 5000\nexit-vrf\n!\nvrf B\n vni 6000\nexit-vrf\n!\nvrf C\n vni 7000\nexit-vrf\n!\n');
  });

  it('activates the underlay neighbors for l2vpn evpn with the overlay route-maps (RFC 8212) and advertise-all-vni inside the default instance, and announces the VTEP', () => {
    const main = conf.slice(conf.indexOf('router bgp 65000\n'), conf.indexOf('\nexit\n', conf.indexOf('router bgp 65000\n')));
    expect(main).to.contain(
      ' address-family l2vpn evpn\n  neighbor 10.0.1.0 activate\n  neighbor 10.0.1.0 route-map GW-EVPN-IN in\n  neighbor 10.0.1.0 route-map GW-EVPN-OUT out\n  advertise-all-vni\n exit-address-family',
    );
    expect(main).to.match(/ address-family ipv4 unicast\n {2}network 10\.255\.0\.1\/32\n {2}network 10\.255\.0\.2\/32\n/);
  });

  it('originates per VPC with network statements advertised into EVPN, no import vrf (nothing learned is leaked)', () => {
    expect(conf).to.contain(
      [
        'router bgp 65000 vrf B',
        ' bgp router-id 10.255.0.1',
        ' no bgp network import-check',
        ' !',
        ' address-family ipv4 unicast',
        '  network 10.10.0.0/24',
        '  network 10.10.1.0/24',
        ' exit-address-family',
        ' !',
        ' address-family ipv6 unicast',
        '  network fd00:a:0:1::/64',
        ' exit-address-family',
        ' !',
        ' address-family l2vpn evpn',
        '  advertise ipv4 unicast',
        '  advertise ipv6 unicast',
        ' exit-address-family',
        'exit',
        '!',
      ].join('\n'),
    );
    expect(conf).to.contain('router bgp 65000 vrf C\n bgp router-id 10.255.0.1\n no bgp network import-check\n !\n address-family l2vpn evpn\n');
    expect(conf).to.not.match(/import vrf|route-target/);
    // The VRF instances come after the default instance: bgpd needs the underlay instance first.
    expect(conf.indexOf('router bgp 65000\n')).to.be.lessThan(conf.indexOf('router bgp 65000 vrf A'));
  });

  it('netns backend: shows each VRF its namespace the way zebra prints it (frr-reload would detach it otherwise)', () => {
    expect(overlayFrrText(doc(), { netnsDir: '/run/netns' }).zebra!.slice(0, 5)).to.deep.equal(['vrf A', ' vni 5000', ' netns /run/netns/A', 'exit-vrf', '!']);
  });

  it('adds nothing without VPCs (the underlay config stays byte for byte)', () => {
    const d = doc();
    d.vpcs = [];
    d.peerings = [];
    expect(overlayFrrText(d)).to.deep.equal({});
  });
});

describe('evpn: netdevs', () => {
  it('netns backend: per VPC a namespace with the L3 SVI bridge (router MAC) and the vxlan (VNI, local VTEP); the VTEP on lo', () => {
    const i = netnsBackendIntent('gw1', overlayVpcs(doc()), doc().gateway.vtep);
    expect(i.loopbackAddresses).to.deep.equal(['10.255.0.2/32']);
    expect(i.netns).to.deep.equal(['gw1-vpc-a1', 'gw1-vpc-b1', 'gw1-vpc-c1']);
    expect(i.vxlans[0]).to.deep.equal({ name: 'vx-a1', vni: 5000, local: '10.255.0.2', netns: 'gw1-vpc-a1' });
    expect(i.bridges[0]).to.deep.equal({ name: 'br-a1', mac: '02:00:00:00:aa:01', members: ['vx-a1'], netns: 'gw1-vpc-a1' });
    expect(Object.fromEntries(vniByNetdev('gw1', overlayVpcs(doc())))).to.deep.equal({ 'vx-a1': 5000, 'br-a1': 5000, 'vx-b1': 6000, 'br-b1': 6000, 'vx-c1': 7000, 'br-c1': 7000 });
  });

  it('kernel VRF backend: VRF device with its table, bridge with the router MAC in it, vxlan in the bridge, then up', () => {
    const plan = kernelVrfPlan('gw1', overlayVpcs(doc()).slice(0, 1), doc().gateway.vtep!, 'vpc-gateway:gw1');
    expect(plan.map((a) => a.join(' '))).to.deep.equal([
      'addr replace 10.255.0.2/32 dev lo',
      `link add A type vrf table ${vrfTable(5000)}`,
      'link set A alias vpc-gateway:gw1',
      'link add br-a1 address 02:00:00:00:aa:01 type bridge forward_delay 0',
      'link set br-a1 alias vpc-gateway:gw1',
      'link add vx-a1 type vxlan id 5000 local 10.255.0.2 dstport 4789 nolearning',
      'link set vx-a1 alias vpc-gateway:gw1',
      'link set br-a1 master A',
      'link set vx-a1 master br-a1',
      'link set A up',
      'link set br-a1 up',
      'link set vx-a1 up',
    ]);
    expect(vrfTable(5000)).to.not.equal(vrfTable(6000));
  });
});

describe('evpn: document checks FRR imposes', () => {
  const svc = (backend: 'vrf' | 'netns'): EvpnService => new EvpnService('gw1', backend, () => undefined, undefined, async () => undefined, pino({ level: 'silent' }));
  it('refuses names longer than FRR VRF names, at their path (a VPC named default is checked by the document validation)', () => {
    const d = doc();
    d.vpcs[1]!.name = 'x'.repeat(36);
    const p = svc('netns').validate(d);
    expect(p.map((x) => `${x.code} ${x.path}`)).to.deep.equal(['NOT_SUPPORTED /vpcs/1/name']);
  });
  it('says the kernel VRF backend is not realized yet rather than pretending', () => {
    expect(svc('vrf').validate(doc()).filter((x) => x.code === 'NOT_SUPPORTED').map((x) => x.path)).to.deep.equal(['/vpcs/0', '/vpcs/1', '/vpcs/2']);
  });
});

describe('evpn: zebra VRF ids (ZEBRA_VRFS)', () => {
  const SHOW = 'netns-based vrfs\nvrf A id 2 netns A (configured)\nvrf B id 1 netns B (configured)\nvrf C inactive (configured)\nvrf stray id 3 netns stray\n';
  it('parses show vrf: active VRFs with their ids, inactive ones without', () => {
    expect(Object.fromEntries(parseShowVrf(SHOW))).to.deep.equal({ A: 2, B: 1, stray: 3 });
  });

  it('maps only VPCs, tells listeners on change only, and keeps the map while zebra does not answer', async () => {
    let text: string | undefined = SHOW;
    const fakeZebra = async (): Promise<string | undefined> => text;
    const m = new ZebraVrfMap(fakeZebra, () => new Set(['A', 'B', 'C']));
    let changes = 0;
    m.onChange(() => changes++);
    expect(await m.refresh()).to.equal(true);
    expect([m.vpcOf(2), m.vpcOf(1), m.vpcOf(3), m.zebraVrfOf('C'), m.vpcOf(0)]).to.deep.equal(['A', 'B', undefined, undefined, undefined]);
    expect(await m.refresh()).to.equal(false);
    text = undefined;
    expect(await m.refresh()).to.equal(false);
    expect(m.zebraVrfOf('A')).to.equal(2);
    // zebra restarted and discovered the namespaces in another order.
    text = 'vrf A id 1 netns A\nvrf B id 2 netns B\n';
    expect(await m.refresh()).to.equal(true);
    expect([m.vpcOf(1), m.zebraVrfOf('B'), changes]).to.deep.equal(['A', 2, 2]);
  });

  it('answers a miss from zebra at once (a refused route is never retried), at most once a second', () => {
    let reads = 0;
    let t = 0;
    const fakeZebraSync = (): string => (reads++, 'vrf A id 4 netns A\n');
    const m = new ZebraVrfMap(async () => undefined, () => new Set(['A']), fakeZebraSync, () => t);
    expect(m.vpcOf(4)).to.equal('A');
    expect(m.vpcOf(9)).to.equal(undefined);
    expect(reads).to.equal(1);
    t = 1000;
    expect(m.vpcOf(9)).to.equal(undefined);
    expect(m.vpcOf(0)).to.equal(undefined);
    expect(reads).to.equal(2);
  });
});

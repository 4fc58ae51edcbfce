// Its own test area: it initialises the EAL in this process (the addon in-process), once per process.
// VXLAN interop with an independent implementation: Linux kernel vxlan devices on two leaf namespaces talk to the
// gateway's DPDK worker (the addon in this process, af_packet ports on veths), which decapsulates, routes in the
// VPC's VRF and re-encapsulates towards the other leaf (RFC 7348). Ping and PMTUD (RFC 1191) end to end.
//
//   gwvx-A: vx100 (VNI 100, 10.10.0.5/16, MAC ..:09) on ha 10.0.1.2 --veth-- ga [gateway port A 10.0.1.1]
//   gwvx-B: vx200 (VNI 200, 10.20.0.7/16, MAC ..:07) on hb 10.0.2.2 --veth-- gb [gateway port B 10.0.2.1]
//   gateway VTEP 192.0.2.1 (RMAC 02:aa:..:01); VNI 100 -> VPC A (VRF 1), VNI 200 -> VPC B (VRF 2), peered (peering 1):
//   B's 10.20/16 via tunnel 5 in VRF 2, A's 10.10/16 via tunnel 6 in VRF 1 (also the way back for ICMP errors)
import { expect } from 'chai';
import { NativeDataplane } from '../../agent/src/dataplane/native.ts';
import type { PortInfo } from '../../agent/src/dataplane/api.ts';
import { createLab, destroyLab, must, nsExec, sh, until, type Lab } from '../dataplane/lab.ts';

const RMAC = '02:aa:00:00:00:01';
const LEAF_A_MAC = '02:bb:00:00:00:09';
const LEAF_B_MAC = '02:bb:00:00:00:07';
const TAPS = 'gwvx-t';
let dp: NativeDataplane | undefined;
let lab: Lab | undefined;

after(async () => {
  dp?.shutdown();
  if (lab) await destroyLab(lab);
  await sh('ip', ['netns', 'del', TAPS]);
});

async function macOf(ns: string, dev: string): Promise<string> {
  return (JSON.parse(await must('ip', ['-n', ns, '-j', 'link', 'show', dev])) as { address: string }[])[0]!.address;
}

/** A leaf: a kernel vxlan device with the host address, its router (the gateway's RMAC) as a static neighbor. */
async function leaf(ns: string, dev: string, vni: number, local: string, mac: string, host: string, router: string, other: string): Promise<void> {
  await must('ip', ['-n', ns, 'link', 'add', dev, 'address', mac, 'type', 'vxlan', 'id', String(vni), 'local', local, 'remote', '192.0.2.1', 'dstport', '4789']);
  // No IPv6 on it: its link-local multicast (inner destination 33:33:..) would be the gateway's vxlan_inner_mac,
  // and this test wants every drop counter of the module at zero.
  await must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${dev}.disable_ipv6=1`]);
  await must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  await must('ip', ['-n', ns, 'addr', 'add', host, 'dev', dev]);
  await must('ip', ['-n', ns, 'neigh', 'replace', router, 'lladdr', RMAC, 'dev', dev, 'nud', 'permanent']);
  await must('ip', ['-n', ns, 'route', 'add', other, 'via', router, 'dev', dev]);
}

describe('dataplane VXLAN with Linux kernel VTEPs (af_packet ports, in-process addon)', function () {
  let pa: PortInfo;
  let pb: PortInfo;

  before(async () => {
    await sh('ip', ['netns', 'del', TAPS]);
    await must('ip', ['netns', 'add', TAPS]);
    lab = await createLab('gwvx');
    // The underlay towards B carries 1400: the tunnel to B takes inner packets up to 1350, while leaf A's device
    // (1450 over its 1500 link) sends bigger ones.
    for (const [ns, dev] of [[lab.nsB, lab.hB], [lab.nsG, lab.gB]] as const) await must('ip', ['-n', ns, 'link', 'set', dev, 'mtu', '1400']);
    dp = new NativeDataplane();
    dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 512, tables: { maxVrfs: 4 }, extraArgs: ['--no-pci'] });
    pa = dp.addPort({ name: 'vxa', device: `net_af_packet_gwvxa,iface=${lab.gA}`, mtu: 1500, vrf: 0, netns: lab.nsG, tapName: 'gwvx-ta' });
    pb = dp.addPort({ name: 'vxb', device: `net_af_packet_gwvxb,iface=${lab.gB}`, mtu: 1400, vrf: 0, netns: lab.nsG, tapName: 'gwvx-tb' });
    const hA = await macOf(lab.nsA, lab.hA);
    const hB = await macOf(lab.nsB, lab.hB);
    await must('ip', ['-n', lab.nsA, 'neigh', 'replace', '10.0.1.1', 'lladdr', pa.mac, 'dev', lab.hA, 'nud', 'permanent']);
    await must('ip', ['-n', lab.nsB, 'neigh', 'replace', '10.0.2.1', 'lladdr', pb.mac, 'dev', lab.hB, 'nud', 'permanent']);
    expect(dp.addVrf(1)).to.equal('ok');
    expect(dp.addVrf(2)).to.equal('ok');
    expect(dp.setNexthops([{ id: 1, port: pa.id }, { id: 2, port: pb.id }])).to.deep.equal(['ok', 'ok']);
    expect(dp.setTunnels([
      { id: 5, vni: 200, vtep: '10.0.2.2', mac: LEAF_B_MAC },
      { id: 6, vni: 100, vtep: '10.0.1.2', mac: LEAF_A_MAC },
    ])).to.deep.equal(['ok', 'ok']);
    const group = (id: number): { id: number; members: { nexthop: number; weight: number }[] } => ({ id, members: [{ nexthop: id, weight: 1 }] });
    expect(dp.setGroups([group(1), group(2), group(5), group(6)])).to.deep.equal(['ok', 'ok', 'ok', 'ok']);
    expect(dp.applyRoutes([
      { op: 'add', vrf: 0, prefix: '10.0.1.0/24', target: { kind: 'unicast', group: 1 } },
      { op: 'add', vrf: 0, prefix: '10.0.2.0/24', target: { kind: 'unicast', group: 2 } },
      { op: 'add', vrf: 0, prefix: '192.0.2.1/32', target: { kind: 'local' } },
      { op: 'add', vrf: 2, prefix: '10.20.0.0/16', target: { kind: 'unicast', group: 5 } },
      { op: 'add', vrf: 1, prefix: '10.10.0.0/16', target: { kind: 'unicast', group: 6 } },
    ]).every((r) => r === 'ok')).to.equal(true);
    expect(dp.setNeighbors([{ port: pa.id, ip: '10.0.1.2', mac: hA }, { port: pb.id, ip: '10.0.2.2', mac: hB }])).to.deep.equal(['ok', 'ok']);
    expect(dp.setVteps([{ ip: '192.0.2.1', mac: RMAC }])).to.deep.equal(['ok']);
    expect(dp.setVnis([{ vni: 100, vrf: 1 }, { vni: 200, vrf: 2 }])).to.deep.equal(['ok', 'ok']);
    // Decapsulated traffic only crosses a peering: each side exposes its hosts to the other.
    expect(dp.setPeeringRoutes([
      { vrf: 1, prefix: '10.20.0.0/16', peering: 1, dstVrf: 2 },
      { vrf: 2, prefix: '10.10.0.0/16', peering: 1, dstVrf: 1 },
    ])).to.deep.equal(['ok', 'ok']);
    expect(dp.setPeeringSources([
      { vrf: 1, peering: 1, prefix: '10.10.0.0/16' },
      { vrf: 2, peering: 1, prefix: '10.20.0.0/16' },
    ])).to.deep.equal(['ok', 'ok']);
    await leaf(lab.nsA, 'gwvx-v100', 100, '10.0.1.2', LEAF_A_MAC, '10.10.0.5/16', '10.10.0.1', '10.20.0.0/16');
    await leaf(lab.nsB, 'gwvx-v200', 200, '10.0.2.2', LEAF_B_MAC, '10.20.0.7/16', '10.20.0.1', '10.10.0.0/16');
    dp.startWorkers();
  });

  const drops = (): Record<string, bigint> => {
    const out: Record<string, bigint> = {};
    for (const c of dp!.portCounters()) for (const [r, v] of Object.entries(c.drops)) if (v) out[r] = (out[r] ?? 0n) + v;
    return out;
  };

  it('carries ping between hosts behind two kernel VTEPs through decap, VRF route and encap', async () => {
    const r = await until('ping through the gateway', async () => {
      const p = await nsExec(lab!.nsA, ['ping', '-c', '3', '-i', '0.2', '-W', '1', '-I', '10.10.0.5', '10.20.0.7'], { timeoutMs: 10_000 });
      // the worker may still be starting for the first attempt: wait for a run without loss
      return p.code === 0 && / 0% packet loss/.test(p.out) ? p : undefined;
    }, 20_000, 500);
    expect(r.out).to.match(/3 received/);
    const a = dp!.portCounters().find((c) => c.port === pa.id)!;
    const b = dp!.portCounters().find((c) => c.port === pb.id)!;
    expect(a.rxPackets >= 3n && b.txPackets >= 3n && b.rxPackets >= 3n && a.txPackets >= 3n, 'both ways through the worker').to.equal(true);
    expect(Object.keys(drops()).filter((k) => k.startsWith('vxlan_'))).to.deep.equal([]);
  });

  it('answers an inner packet too big for the tunnel with frag-needed, MTU 1350, that the sending kernel learns (RFC 1191)', async () => {
    // 1400 + 28 = 1428 bytes with DF: fits leaf A's device (1450), not the gateway's tunnel towards B (1400 - 50)
    await nsExec(lab!.nsA, ['ping', '-c', '2', '-i', '0.3', '-W', '1', '-M', 'do', '-s', '1400', '-I', '10.10.0.5', '10.20.0.7'], { timeoutMs: 10_000 });
    const route = await until('PMTU learned', async () => {
      const o = await must('ip', ['-n', lab!.nsA, 'route', 'get', '10.20.0.7']);
      return /mtu 1350/.test(o) ? o : undefined;
    }, 5_000, 200);
    expect(route).to.match(/mtu 1350/);
    expect((drops().mtu_exceeded ?? 0n) > 0n, "counted mtu_exceeded").to.equal(true);
    // and a packet that fits the learned MTU goes through
    const fits = await nsExec(lab!.nsA, ['ping', '-c', '1', '-W', '2', '-M', 'do', '-s', '1322', '-I', '10.10.0.5', '10.20.0.7'], { timeoutMs: 10_000 });
    expect(fits.out).to.match(/1 received/);
  });
});

// The device allow-list (agent/src/dataplane/device.ts) at each of its three edges: the document validator, the
// boot file's dataplane section and NativeDataplane.addPort, the last stop before DPDK's own argument parsers.
import { expect } from 'chai';
import { validateDocument } from '../../agent/src/config/validate.ts';
import { parseDevice } from '../../agent/src/dataplane/device.ts';
import { NativeDataplane, type Addon } from '../../agent/src/dataplane/native.ts';
import { parseDataplaneSection } from '../../agent/src/features/underlay/section.ts';
import { validDoc } from './config-fixtures.ts';

const ACCEPTED = [
  '0000:03:00.0',
  '0000:af:1f.7',
  'net_af_xdp0,iface=eth1',
  'net_af_xdp_tpa,iface=veth-a.10',
  'net_af_xdp_gwrt-fa,iface=gwrt-f-ga',
  'net_af_xdp1,iface=eth2,start_queue=0,queue_count=2,busy_budget=64,force_copy=1',
  'net_af_packet0,iface=veth1',
  'net_af_packet3,iface=eth0,qpairs=2,blocksz=4096,framesz=2048,framecnt=512,qdisc_bypass=1',
  'net_tap0',
  'net_tap1,iface=gwmg1',
  'net_tap2,iface=gwmg2,mac=fixed',
  'net_tap3,mac=02:00:00:00:00:07',
  'net_ring_gwrtu0',
];

// [device, what the refusal must name]
const REFUSED: [string, RegExp][] = [
  ['net_pcap9,rx_iface=lo,tx_pcap=/tmp/x', /not a supported device/],
  ['net_pcap0,iface=eth1', /not a supported device/],
  ['net_af_xdp0,iface=eth1,xdp_prog=/tmp/prog.o', /does not take "xdp_prog"/],
  ['net_af_xdp0,iface=eth1,shared_umem=1', /does not take "shared_umem"/],
  ['net_af_xdp0', /needs iface=/],
  ['net_af_xdp0,iface=../../etc', /iface must be a network interface name/],
  ['net_af_xdp0,iface=/tmp/x', /iface must be a network interface name/],
  ['net_af_xdp0,iface=a-name-longer-than-15', /iface must be a network interface name/],
  ['net_af_xdp0,iface=..', /iface must be a network interface name/],
  ['net_af_xdp0,iface=eth1,iface=eth2', /iface given twice/],
  ['net_af_xdp0,iface=eth1,queue_count=0', /queue_count must be an integer 1\.\.64/],
  ['net_af_xdp0,iface=eth1,start_queue=0x10', /start_queue must be an integer/],
  ['net_af_xdp0,iface=eth1,start_queue=010', /start_queue must be an integer/],
  ['net_af_xdp0,iface=eth1,force_copy', /force_copy needs a value/],
  ['net_af_packet0,iface=eth1,framecnt=99999999', /framecnt must be an integer 1\.\.65536/],
  ['net_tap0,remote=eth0', /does not take "remote"/],
  ['net_tap0,persist=1', /does not take "persist"/],
  ['net_tap0,mac=02:00:00:00:00:0G', /mac must be/],
  ['net_ring0,nodeaction=r:0:CREATE', /no arguments/],
  ['net_af_xdp0 ,iface=eth1', /not a supported device/],
  ['net_af_xdp0,iface=eth1,', /does not take ""/],
  ['net_vhost0,iface=/tmp/sock', /not a supported device/],
  ['eth_af_packet0,iface=eth1', /not a supported device/],
  ['03:00.0', /canonical address/],
  ['0000:03:00.0,representor=[0-3]', /canonical address/],
  ['0000:AF:00.0', /canonical address/],
  ['', /not a supported device/],
];

describe('device allow-list', () => {
  for (const d of ACCEPTED) {
    it(`accepts ${d}`, () => {
      const r = parseDevice(d);
      expect(r.ok, r.ok ? '' : r.reason).to.equal(true);
    });
  }
  for (const [d, why] of REFUSED) {
    it(`refuses ${JSON.stringify(d)}`, () => {
      const r = parseDevice(d);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.match(why);
    });
  }

  it('refuses a document port with a device off the list, at the device field', () => {
    const d = validDoc();
    d.gateway.ports[1]!.device = 'net_pcap9,rx_iface=lo,tx_pcap=/tmp/x';
    const ps = validateDocument(d);
    expect(ps.map((p) => `${p.code} ${p.path}`)).to.deep.equal(['INVALID_VALUE /gateway/ports/1/device']);
    expect(ps[0]!.detail).to.match(/not a supported device/);
  });

  it('refuses a boot file port with a device off the list, naming the key', () => {
    const sec = (device: string) => ({ ports: [{ name: 'eth1', device, addresses: ['10.0.1.1/24'] }] });
    expect(parseDataplaneSection(sec('net_af_xdp0,iface=veth1')).ports[0]!.device).to.equal('net_af_xdp0,iface=veth1');
    expect(() => parseDataplaneSection(sec('net_pcap0,tx_pcap=/etc/shadow'))).to.throw(/^dataplane\.ports\[0\]\.device: .*not a supported device/)
      .with.property('code', 'BOOT_CONFIG_INVALID');
  });

  it('refuses a device off the list at the addon edge without calling the binding', () => {
    let calls = 0;
    const addon = { addPort: () => (calls++, { id: 0 }), dropReasons: () => [] } as unknown as Addon;
    const dp = new NativeDataplane(addon, 4);
    (dp as unknown as { eal: unknown }).eal = { hugepages: false, args: [], workerLcores: [1] };
    expect(() => dp.addPort({ name: 'p', device: 'net_pcap0,tx_pcap=/tmp/x', mtu: 1500, vrf: 0 }))
      .to.throw(/device .*not a supported device/).with.property('code', 'DP_BAD_CONFIG');
    expect(calls).to.equal(0);
    dp.addPort({ name: 'p', device: 'net_tap0,iface=p', mtu: 1500, vrf: 0 });
    expect(calls).to.equal(1);
  });
});

// The interface manager on a real kernel, in its own namespace gwlab-ifm (no topology: one namespace is
// the whole scenario):
//
//   netns gwlab-ifm:  lo (+ 10.255.9.1/32)   vx5000 (vxlan 5000, local 10.255.9.1) --master--> br5000
//                     foreign: vx6000 (created by "someone else", same kind, name wanted by the intent)
//
// Success: devices created, enslaved, up and marked; a deleted device and a downed bridge come back by
// themselves; the foreign device is left exactly as it was; withdrawing the intent removes only what it owns.
import { expect } from 'chai';
import { pino } from 'pino';
import { IfmgrError } from '../../agent/src/features/ifmgr/intent.ts';
import { IpKernel } from '../../agent/src/features/ifmgr/kernel.ts';
import { InterfaceManager } from '../../agent/src/features/ifmgr/manager.ts';
import { must, run, waitFor } from '../../agent/src/lab/sh.ts';

const NS = 'gwlab-ifm';
const ip = (...a: string[]): Promise<string> => must('ip', ['-n', NS, ...a]);
type L = { ifname: string; flags: string[]; ifalias?: string; master?: string; linkinfo?: { info_data?: { id?: number } } };
const link = async (n: string): Promise<L | undefined> => {
  const r = await run('ip', ['-n', NS, '-d', '-j', 'link', 'show', n]);
  return r.code === 0 ? (JSON.parse(r.stdout) as L[])[0] : undefined;
};

describe('interface manager on a real kernel', function () {
  this.timeout(60_000);
  let m: InterfaceManager;
  const intent = {
    loopbackAddresses: ['10.255.9.1/32'],
    vxlans: [{ name: 'vx5000', vni: 5000, local: '10.255.9.1' }],
    bridges: [{ name: 'br5000', mac: '02:00:00:00:50:00', members: ['vx5000'] }],
  };

  before(async () => {
    await run('ip', ['netns', 'del', NS]); // leftover of a crashed run
    await must('ip', ['netns', 'add', NS]);
    await ip('link', 'set', 'lo', 'up');
    await ip('link', 'add', 'vx6000', 'type', 'vxlan', 'id', '6000', 'local', '10.255.9.1', 'dstport', '4789');
    m = new InterfaceManager(new IpKernel(NS), 'gwlab-ifm', pino({ level: 'silent' }));
    m.start();
  });
  after(async () => {
    m?.stop();
    await run('ip', ['netns', 'del', NS]);
  });

  it('creates the vxlan and the bridge, enslaved, up, marked, and the loopback address', async () => {
    await m.set('overlay', intent);
    const vx = (await link('vx5000'))!;
    expect(vx.ifalias).to.equal('vpc-gateway:gwlab-ifm');
    expect(vx.master).to.equal('br5000');
    expect(vx.flags).to.include('UP');
    expect(vx.linkinfo?.info_data?.id).to.equal(5000);
    expect((await link('br5000'))!.flags).to.include('UP');
    expect(await ip('-br', 'addr', 'show', 'dev', 'lo')).to.contain('10.255.9.1/32');
  });

  it('puts back a deleted vxlan (enslaved again) and brings a downed bridge up', async () => {
    await ip('link', 'del', 'vx5000');
    await ip('link', 'set', 'br5000', 'down');
    await waitFor('vx5000 back in br5000, both up', async () => {
      const vx = await link('vx5000');
      const br = await link('br5000');
      return vx?.master === 'br5000' && vx.flags.includes('UP') && !!br?.flags.includes('UP');
    }, 10_000, 50);
    expect(m.snapshot().counters.restores).to.be.at.least(1);
  });

  it('refuses to take over a device somebody else created with a wanted name, and leaves it alone', async () => {
    let err: unknown;
    await m.set('overlay2', { loopbackAddresses: [], vxlans: [{ name: 'vx6000', vni: 6001, local: '10.255.9.1' }], bridges: [] }).catch((e: unknown) => (err = e));
    expect((err as IfmgrError).code).to.equal('IFMGR_NAME_TAKEN');
    const vx = (await link('vx6000'))!;
    expect(vx.linkinfo?.info_data?.id).to.equal(6000);
    expect(vx.ifalias).to.equal(undefined);
    await m.set('overlay2', { loopbackAddresses: [], vxlans: [], bridges: [] });
  });

  it('removes only what it owns when the intent is withdrawn', async () => {
    await m.set('overlay', { loopbackAddresses: [], vxlans: [], bridges: [] });
    expect(await link('vx5000')).to.equal(undefined);
    expect(await link('br5000')).to.equal(undefined);
    expect(await link('vx6000')).to.not.equal(undefined);
    expect(await ip('-br', 'addr', 'show', 'dev', 'lo')).to.not.contain('10.255.9.1/32');
  });
});

// The kernel as the interface manager sees it: links with their alias (ownership mark) and lo's addresses.
// IpKernel drives iproute2 in the current network namespace; unit tests use a fake with the same interface.
import { execFile, type ChildProcess } from 'node:child_process';
import { spawnTied } from '../../core/tied.ts';
import { IfmgrError, type BridgeIntent, type VxlanIntent } from './intent.ts';

export interface KernelLink {
  name: string;
  kind: string;
  alias?: string;
  up: boolean;
  master?: string;
  vni?: number;
  local?: string;
  mac?: string;
}

export interface Kernel {
  links(): Promise<KernelLink[]>;
  loopbackAddresses(): Promise<string[]>;
  addVxlan(v: VxlanIntent, alias: string): Promise<void>;
  addBridge(b: BridgeIntent, alias: string): Promise<void>;
  setMaster(dev: string, master: string): Promise<void>;
  setUp(dev: string): Promise<void>;
  delLink(dev: string): Promise<void>;
  addLoopbackAddress(cidr: string): Promise<void>;
  delLoopbackAddress(cidr: string): Promise<void>;
  /** Calls `onChange` when links or addresses change; returns a stop function. */
  watch(onChange: () => void): () => void;
}

function ipIn(netns: string | undefined, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', netns ? ['-n', netns, ...args] : args, { timeout: 10_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new IfmgrError('IFMGR_KERNEL', `ip ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

interface IpLink {
  ifname: string;
  flags?: string[];
  ifalias?: string;
  master?: string;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string } };
}

export class IpKernel implements Kernel {
  /** `netns`: manage that namespace instead of the agent's own (tests, gateways managing another netns). */
  constructor(private readonly netns?: string) {}

  private ip(args: string[]): Promise<string> {
    return ipIn(this.netns, args);
  }

  async links(): Promise<KernelLink[]> {
    const j = JSON.parse(await this.ip(['-d', '-j', 'link', 'show'])) as IpLink[];
    return j.map((l) => ({
      name: l.ifname,
      kind: l.linkinfo?.info_kind ?? 'device',
      alias: l.ifalias,
      up: (l.flags ?? []).includes('UP'),
      master: l.master,
      vni: l.linkinfo?.info_data?.id,
      local: l.linkinfo?.info_data?.local,
      mac: l.address,
    }));
  }
  async loopbackAddresses(): Promise<string[]> {
    const j = JSON.parse(await this.ip(['-j', 'addr', 'show', 'dev', 'lo'])) as { addr_info?: { local: string; prefixlen: number }[] }[];
    return (j[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  }
  async addVxlan(v: VxlanIntent, alias: string): Promise<void> {
    const args = ['link', 'add', v.name, 'type', 'vxlan', 'id', String(v.vni), 'local', v.local, 'dstport', String(v.dstport ?? 4789), 'nolearning'];
    await this.ip(args);
    await this.ip(['link', 'set', v.name, 'alias', alias, ...(v.mtu ? ['mtu', String(v.mtu)] : [])]);
  }
  async addBridge(b: BridgeIntent, alias: string): Promise<void> {
    // forward_delay 0: otherwise the SVI stays NO-CARRIER for 15 s and zebra reports the VNI down.
    await this.ip(['link', 'add', b.name, ...(b.mac ? ['address', b.mac] : []), 'type', 'bridge', 'forward_delay', '0']);
    await this.ip(['link', 'set', b.name, 'alias', alias]);
  }
  async setMaster(dev: string, master: string): Promise<void> {
    await this.ip(['link', 'set', dev, 'master', master]);
  }
  async setUp(dev: string): Promise<void> {
    await this.ip(['link', 'set', dev, 'up']);
  }
  async delLink(dev: string): Promise<void> {
    await this.ip(['link', 'del', dev]);
  }
  async addLoopbackAddress(cidr: string): Promise<void> {
    await this.ip(['addr', 'add', cidr, 'dev', 'lo', ...(cidr.includes(':') ? ['nodad'] : [])]);
  }
  async delLoopbackAddress(cidr: string): Promise<void> {
    await this.ip(['addr', 'del', cidr, 'dev', 'lo']);
  }
  watch(onChange: () => void): () => void {
    const ns = this.netns ? ['-n', this.netns] : [];
    let child: ChildProcess | null = spawnTied('ip', [...ns, '-o', 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout?.on('data', () => onChange());
    child.on('exit', () => {
      child = null;
    });
    return () => {
      child?.kill('SIGTERM');
      child = null;
    };
  }
}

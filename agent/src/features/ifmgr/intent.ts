// What the interface manager makes exist in the kernel, per owner (a component name): loopback addresses
// (the gateway's protocol address and VTEP), network namespaces (the overlay's netns VRF backend), VXLAN
// devices and the bridges they hang off, each in the agent's namespace or in one of those.
import { isIP } from 'node:net';

export interface VxlanIntent {
  name: string;
  vni: number;
  local: string;
  dstport?: number;
  mtu?: number;
  /** Namespace (of this intent's `netns`) the device lives in; absent = the agent's. Its UDP socket stays in the
   *  agent's namespace, where the local address is. */
  netns?: string;
}

export interface BridgeIntent {
  name: string;
  mac?: string;
  /** Devices enslaved to the bridge; must be devices this manager owns. */
  members: string[];
  /** Namespace (of this intent's `netns`) the bridge is created in; members must be in the same one. */
  netns?: string;
}

export interface NetdevIntent {
  loopbackAddresses: string[];
  vxlans: VxlanIntent[];
  bridges: BridgeIntent[];
  /** Network namespaces (names in /run/netns) this owner needs; created empty with lo up. */
  netns?: string[];
}

export const emptyIntent = (): NetdevIntent => ({ loopbackAddresses: [], vxlans: [], bridges: [], netns: [] });

export type IfmgrErrorCode = 'IFMGR_INVALID' | 'IFMGR_NAME_TAKEN' | 'IFMGR_KERNEL';

export class IfmgrError extends Error {
  constructor(
    readonly code: IfmgrErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const NETNS = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** Canonical CIDR or throws IFMGR_INVALID. */
export function checkCidr(c: string): string {
  const [ip, len, ...rest] = c.split('/');
  const fam = isIP(ip ?? '');
  const n = Number(len);
  if (rest.length || fam === 0 || !Number.isInteger(n) || n < 0 || n > (fam === 4 ? 32 : 128)) {
    throw new IfmgrError('IFMGR_INVALID', `"${c}" is not an address/prefix-length`);
  }
  return `${ip}/${n}`;
}

export function checkIntent(i: NetdevIntent): NetdevIntent {
  const names = new Set<string>();
  const name = (n: string): string => {
    if (!IFNAME.test(n)) throw new IfmgrError('IFMGR_INVALID', `"${n}" is not a valid interface name`);
    if (names.has(n)) throw new IfmgrError('IFMGR_INVALID', `interface ${n} declared twice`);
    names.add(n);
    return n;
  };
  const netns = [...new Set(i.netns ?? [])];
  for (const n of netns) if (!NETNS.test(n)) throw new IfmgrError('IFMGR_INVALID', `"${n}" is not a valid network namespace name`);
  const inNetns = (what: string, n: string | undefined): void => {
    if (n !== undefined && !netns.includes(n)) throw new IfmgrError('IFMGR_INVALID', `${what}: namespace ${n} is not a namespace of this intent`);
  };
  const vxlans = i.vxlans.map((v) => {
    inNetns(v.name, v.netns);
    if (!Number.isInteger(v.vni) || v.vni < 1 || v.vni > 16777215) throw new IfmgrError('IFMGR_INVALID', `${v.name}: vni ${v.vni} out of range`);
    if (isIP(v.local) === 0) throw new IfmgrError('IFMGR_INVALID', `${v.name}: local ${v.local} is not an address`);
    return { ...v, name: name(v.name), dstport: v.dstport ?? 4789 };
  });
  const bridges = i.bridges.map((b) => {
    inNetns(b.name, b.netns);
    if (b.mac !== undefined && !MAC.test(b.mac)) throw new IfmgrError('IFMGR_INVALID', `${b.name}: mac ${b.mac} is not lower-case aa:bb:cc:dd:ee:ff`);
    return { ...b, name: name(b.name) };
  });
  const nsOf = new Map<string, string | undefined>([...vxlans, ...bridges].map((d) => [d.name, d.netns]));
  for (const b of bridges) {
    for (const m of b.members) {
      if (!names.has(m)) throw new IfmgrError('IFMGR_INVALID', `${b.name}: member ${m} is not a device of this intent`);
      if (nsOf.get(m) !== b.netns) throw new IfmgrError('IFMGR_INVALID', `${b.name}: member ${m} is in another namespace`);
    }
  }
  return { loopbackAddresses: [...new Set(i.loopbackAddresses.map(checkCidr))], vxlans, bridges, netns };
}

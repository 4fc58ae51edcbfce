// What the interface manager makes exist in the kernel, per owner (a component name): loopback addresses
// (the gateway's protocol address), VXLAN devices and the bridges they hang off (EVPN, later).
import { isIP } from 'node:net';

export interface VxlanIntent {
  name: string;
  vni: number;
  local: string;
  dstport?: number;
  mtu?: number;
}

export interface BridgeIntent {
  name: string;
  mac?: string;
  /** Devices enslaved to the bridge; must be devices this manager owns. */
  members: string[];
}

export interface NetdevIntent {
  loopbackAddresses: string[];
  vxlans: VxlanIntent[];
  bridges: BridgeIntent[];
}

export const emptyIntent = (): NetdevIntent => ({ loopbackAddresses: [], vxlans: [], bridges: [] });

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
  const vxlans = i.vxlans.map((v) => {
    if (!Number.isInteger(v.vni) || v.vni < 1 || v.vni > 16777215) throw new IfmgrError('IFMGR_INVALID', `${v.name}: vni ${v.vni} out of range`);
    if (isIP(v.local) === 0) throw new IfmgrError('IFMGR_INVALID', `${v.name}: local ${v.local} is not an address`);
    return { ...v, name: name(v.name), dstport: v.dstport ?? 4789 };
  });
  const bridges = i.bridges.map((b) => {
    if (b.mac !== undefined && !MAC.test(b.mac)) throw new IfmgrError('IFMGR_INVALID', `${b.name}: mac ${b.mac} is not lower-case aa:bb:cc:dd:ee:ff`);
    return { ...b, name: name(b.name) };
  });
  for (const b of bridges) {
    for (const m of b.members) if (!names.has(m)) throw new IfmgrError('IFMGR_INVALID', `${b.name}: member ${m} is not a device of this intent`);
  }
  return { loopbackAddresses: [...new Set(i.loopbackAddresses.map(checkCidr))], vxlans, bridges };
}

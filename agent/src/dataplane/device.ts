// DPDK device strings: the allow-list every port's `device` passes before it reaches the EAL or rte_dev_probe.
// DPDK itself accepts any driver and any argument, and some arguments act as root on the host: net_pcap's
// tx_pcap writes a file and rx_iface sniffs any netdev, af_xdp's xdp_prog loads a program from a path,
// net_tap's remote mirrors another netdev. So only the kinds a gateway port uses pass, each with the keys it
// needs, every value checked (interface names, bounded numbers, a MAC): nothing that could name a path or a
// foreign netdev's traffic gets through. One parser for the document, the boot file and the addon's edge.

export type DeviceKind = 'pci' | 'af_xdp' | 'af_packet' | 'tap' | 'ring';

export interface ParsedDevice {
  kind: DeviceKind;
  /** PCI address, or the vdev name ("net_af_xdp0"): what identifies the ethdev. */
  name: string;
  args: ReadonlyMap<string, string>;
}

export type DeviceResult = { ok: true; device: ParsedDevice } | { ok: false; reason: string };

/** Canonical PCI domain:bus:device.function, lower case, as sysfs and `dpdk-devbind` print it. */
const PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const PCI_LOOSE = /^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]/i;
/** Linux netdev names (dev_valid_name): 1-15 chars, no '/', ':' or space; we also leave out anything exotic. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
// DPDK binds a vdev by driver-name prefix, so the rest of the name is free text: our labs use the netdev's name.
const SUFFIX = /^[A-Za-z0-9_-]{0,32}$/;

type ValueCheck = (v: string) => string | undefined;

const iface: ValueCheck = (v) => (IFNAME.test(v) && v !== '.' && v !== '..' ? undefined : 'must be a network interface name (1-15 of A-Z a-z 0-9 _ . -)');
const int =
  (lo: number, hi: number): ValueCheck =>
  (v) =>
    /^(0|[1-9][0-9]{0,8})$/.test(v) && Number(v) >= lo && Number(v) <= hi ? undefined : `must be an integer ${lo}..${hi}`;
const flag = int(0, 1);

interface KindRule {
  kind: Exclude<DeviceKind, 'pci'>;
  prefix: string;
  keys: Record<string, ValueCheck>;
  required: string[];
}

// Keys of DPDK 22.11's PMDs (their PMD_INFO_STRING) that only tune the port; left out on purpose:
// af_xdp xdp_prog (a path), shared_umem (couples ports); net_tap remote (mirrors a netdev), persist (outlives us).
const RULES: KindRule[] = [
  {
    kind: 'af_xdp',
    prefix: 'net_af_xdp',
    keys: { iface, start_queue: int(0, 1023), queue_count: int(1, 64), busy_budget: int(0, 1024), force_copy: flag },
    required: ['iface'],
  },
  {
    kind: 'af_packet',
    prefix: 'net_af_packet',
    keys: { iface, qpairs: int(1, 16), blocksz: int(4096, 1 << 20), framesz: int(64, 65536), framecnt: int(1, 65536), qdisc_bypass: flag },
    required: ['iface'],
  },
  {
    kind: 'tap',
    prefix: 'net_tap',
    keys: { iface, mac: (v) => (v === 'fixed' || MAC.test(v) ? undefined : 'must be "fixed" or a lower-case MAC') },
    required: [],
  },
  // Memory-only loopback (tests, benchmarks): no arguments at all.
  { kind: 'ring', prefix: 'net_ring', keys: {}, required: [] },
];

const KINDS = 'a PCI address (0000:01:00.0) or net_af_xdp, net_af_packet, net_tap or net_ring followed by up to 32 of [A-Za-z0-9_-]';

/** Parses a port's device string against the allow-list; the reason says what is wrong, for the operator. */
export function parseDevice(s: string): DeviceResult {
  const bad = (reason: string): DeviceResult => ({ ok: false, reason: `"${s.length > 80 ? `${s.slice(0, 80)}...` : s}": ${reason}` });
  if (PCI.test(s)) return { ok: true, device: { kind: 'pci', name: s, args: new Map() } };
  if (PCI_LOOSE.test(s)) return bad('a PCI device is its canonical address alone, lower case with the domain (0000:01:00.0), no arguments');
  const [name = '', ...parts] = s.split(',');
  // DPDK picks the vdev driver whose name prefixes the device name, so the prefix decides the kind.
  const rule = RULES.find((r) => name.startsWith(r.prefix) && SUFFIX.test(name.slice(r.prefix.length)));
  if (!rule) return bad(`not a supported device: ${KINDS}`);
  const args = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const check = Object.hasOwn(rule.keys, key) ? rule.keys[key] : undefined;
    if (!check) {
      const allowed = Object.keys(rule.keys);
      return bad(`${rule.prefix} does not take "${key}" (${allowed.length ? `allowed: ${allowed.join(', ')}` : 'no arguments'})`);
    }
    if (eq < 0) return bad(`${key} needs a value`);
    if (args.has(key)) return bad(`${key} given twice`);
    const value = part.slice(eq + 1);
    const why = check(value);
    if (why) return bad(`${key} ${why}`);
    args.set(key, value);
  }
  const missing = rule.required.find((k) => !args.has(k));
  if (missing) return bad(`${rule.prefix} needs ${missing}=`);
  return { ok: true, device: { kind: rule.kind, name, args } };
}

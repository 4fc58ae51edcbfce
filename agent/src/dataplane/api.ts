// Contract between the agent and the dataplane (the DPDK addon in dataplane/addon, or FakeDataplane in unit
// tests). Every call runs on Node's main thread, which is the dataplane's single table writer.
// Values crossing this boundary are validated types: IP prefixes/addresses as canonical strings, counters as
// bigint. Table writes are batched; each batch returns one result per item so a caller can tell the plugin
// exactly which route failed and why.

import type {
  NatStatic,
  Neighbor,
  Nexthop,
  NexthopGroup,
  PeeringRoute,
  PeeringSource,
  RouteEntry,
  TableErrorCode,
  TablesApi,
  Tunnel,
  Vni,
  Vtep,
} from '../../../dataplane/tables/gen/tables.gen.ts';

export type VrfId = number;
export type PortId = number;

export interface EalConfig {
  /** CPUs for worker lcores, one worker per CPU. */
  workerCores: number[];
  /** CPU for the control thread (Node main, EAL control threads, V8, libuv). */
  controlCore: number;
  /** 'auto': hugepages when they can be reserved, else --no-huge. */
  hugepages: 'auto' | 'on' | 'off';
  memoryMb: number;
  /** Extra EAL arguments, appended as given. */
  extraArgs?: string[];
  /** Table sizes (memory is reserved per VRF up front); defaults suit a lab, production raises them. */
  tables?: TableLimits;
  /** Packet buffers in the pool shared by all ports (default 32767: an af_xdp port alone pins ~3k in its rings). */
  mbufs?: number;
}

export interface TableLimits {
  maxVrfs?: number;
  maxRoutes4?: number;
  maxRoutes6?: number;
  maxNexthops?: number;
  maxGroups?: number;
  maxNeighbors?: number;
  /** NAT sessions + mappings the napt session table holds (default 1048576), reserved at init. */
  natSessions?: number;
}

export interface EalInfo {
  hugepages: boolean;
  args: string[];
  workerLcores: number[];
}

export interface PortConfig {
  /** Operator-facing name, e.g. "eth1". */
  name: string;
  /** DPDK device: a PCI address or vdev args such as "net_af_xdp0,iface=eth1". */
  device: string;
  mtu: number;
  vrf: VrfId;
  /** Network namespace the device (and its punt tap) live in; default: the agent's own. */
  netns?: string;
  /** Name of the kernel tap created for the punt path; default: the port name. */
  tapName?: string;
}

export interface PortInfo {
  id: PortId;
  name: string;
  device: string;
  mac: string;
  mtu: number;
  vrf: VrfId;
  linkUp: boolean;
  tapName: string;
  tapPortId: PortId;
}

export interface PortStats {
  rxPackets: bigint;
  rxBytes: bigint;
  txPackets: bigint;
  txBytes: bigint;
  rxMissed: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxNoMbuf: bigint;
}

// Table items, their result codes and the table writes below come from dataplane/tables/tables.yaml (generated
// into dataplane/tables/gen/tables.gen.ts), so the addon, FakeDataplane and gw-replay agree on every field.
export type {
  NatStatic,
  NatForward,
  NatInside,
  NatPool,
  NatPoolPrefix,
  Neighbor,
  Nexthop,
  NexthopGroup,
  PeeringRoute,
  PeeringSource,
  RouteEntry,
  RouteOp,
  RouteTarget,
  TableErrorCode,
  Tunnel,
  Vni,
  Vtep,
} from '../../../dataplane/tables/gen/tables.gen.ts';

export interface WorkerCounters {
  worker: number;
  lcore: number;
  busyPolls: bigint;
  idlePolls: bigint;
  sleeps: bigint;
  /** Time spent in idle back-off sleeps (optional: absent in fakes that do not model it). */
  sleepNs?: bigint;
}

export interface PortCounters {
  port: PortId;
  /** Summed over workers. */
  rxPackets: bigint;
  rxBytes: bigint;
  txPackets: bigint;
  txBytes: bigint;
  puntPackets: bigint;
  txDrops: bigint;
  drops: Record<string, bigint>;
}

/** Per VPC (its dataplane VRF; every VRF but 0), summed over workers (dataplane/src/modules/vpc/gw_vpc.h). */
export interface VpcCounters {
  vrf: VrfId;
  /** Decapsulated packets from this VPC that reached classify (admitted or not); bytes are inner IP bytes. */
  rxPackets: bigint;
  rxBytes: bigint;
  /** Packets routed into this VPC through a peering (its FIB chose a nexthop). */
  txPackets: bigint;
  txBytes: bigint;
  /** Classify drops of packets from this VPC by reason name: vpc_no_peering, vpc_source_not_exposed. */
  drops: Record<string, bigint>;
}

/** Per peering id present in peeringRoutes or peeringSources: packets (inner IP bytes) routed through it. */
export interface PeeringCounters {
  peering: number;
  packets: bigint;
  bytes: bigint;
}

/** Per peering id with natStatic entries: packets static NAT / NPTv6 translated (source, destination or both). */
export interface NatStaticCounters {
  peering: number;
  translations: bigint;
}
/** napt (dataplane/src/modules/napt/gw_napt.h, docs/nat.md): one endpoint of a session; `port` is the ICMP echo
 *  identifier for ICMP sessions (the remote's is 0). */
export interface NatEndpoint {
  addr: string;
  port: number;
}
export type NatProto = 'tcp' | 'udp' | 'icmp';
/** udp/icmp sessions are `active`; TCP: `syn` (opener's SYN only), `established`, `closing` (FIN or RST seen). */
export type NatSessionState = 'active' | 'syn' | 'established' | 'closing';
export interface NatSession {
  /** Slot + 1 in the session table: stable while the session lives; the paging cursor of natSessions. */
  id: number;
  peering: number;
  pool: number;
  /** The inside VPC's dataplane VRF. */
  vrf: VrfId;
  proto: NatProto;
  /** Masquerade: the host that opened the session; portForward: the published service. */
  inside: NatEndpoint;
  /** What the other side sees: a pool address and port. */
  outside: NatEndpoint;
  /** The other side's endpoint. */
  remote: NatEndpoint;
  state: NatSessionState;
  /** Seconds since the last packet, and until the session expires, by the workers' clock. */
  idleSeconds: number;
  expiresSeconds: number;
  /** out = inside -> remote, in = remote -> inside; bytes are IP bytes. */
  packetsOut: bigint;
  bytesOut: bigint;
  packetsIn: bigint;
  bytesIn: bigint;
}
/** Selects sessions: absent fields match everything; `addr` matches the inside, outside or remote address. */
export interface NatSessionFilter {
  vrf?: VrfId;
  peering?: number;
  proto?: NatProto;
  addr?: string;
}
export interface NatPoolStats {
  pool: number;
  peering: number;
  vrf: VrfId;
  mode: 'masquerade' | 'portForward';
  /** Addresses of the pool (natPoolPrefixes). */
  addresses: number;
  /** Mappings in use: one pool address + port each. */
  portsInUse: number;
  sessions: number;
  /** Packets dropped for want of a free port (drop reason napt_ports_exhausted). */
  exhausted: bigint;
}
/** Per peering with a pool. `expired` counts every session delete (idle, TCP close, clear). */
export interface NatCounters {
  peering: number;
  created: bigint;
  expired: bigint;
  active: number;
  translations: bigint;
}
export type NatEvent = { type: 'create' | 'refresh' | 'delete'; session: NatSession };

export type DataplaneEvent = { type: 'neigh_miss'; port: PortId; ip: string };

export interface DataplaneApi extends TablesApi {
  init(cfg: EalConfig): EalInfo;
  dropReasons(): string[];

  addPort(cfg: PortConfig): PortInfo;
  removePort(id: PortId): void;
  ports(): PortInfo[];
  portStats(id: PortId): PortStats;

  startWorkers(): void;
  stopWorkers(): void;
  /** Stop workers and ports, release EAL memory. The object is unusable afterwards. */
  shutdown(): void;

  /** Source addresses of the ICMP errors the dataplane sends for packets that arrived on a port: the first
   *  IPv4 and the first IPv6 of `addresses` ("ip/len" or "ip"); an empty list clears them. */
  setPortAddresses(port: PortId, addresses: string[]): TableErrorCode;

  routes(vrf: VrfId): RouteEntry[];
  nexthops(): Nexthop[];
  groups(): NexthopGroup[];
  neighbors(): Neighbor[];
  /** vxlan: the local VTEP (at most one), VNI -> VRF, tunnels (nexthop ids of kind vxlan). */
  vteps(): Vtep[];
  vnis(): Vni[];
  tunnels(): Tunnel[];

  /** What the classify tables hold (vpc module), as written. */
  peeringRoutes(): PeeringRoute[];
  peeringSources(): PeeringSource[];
  /** What the natStatic table holds (nat module), as written. */
  natStatic(): NatStatic[];

  workerCounters(): WorkerCounters[];
  portCounters(): PortCounters[];
  vpcCounters(): VpcCounters[];
  peeringCounters(): PeeringCounters[];
  natStaticCounters(): NatStaticCounters[];
  pollEvents(max: number): DataplaneEvent[];

  /** napt sessions matching `filter` with id > `after`, in id order, at most `limit` (default 1000, at most
   *  65536): page by passing the last id seen. Expired sessions not yet reaped are left out. */
  natSessions(filter?: NatSessionFilter, limit?: number, after?: number): NatSession[];
  /** Deletes the matching sessions; returns how many. `addr` must be an address (else 'invalid' is thrown as a
   *  DataplaneError DP_BAD_ARGUMENT). */
  natClear(filter?: NatSessionFilter): number;
  natPoolStats(): NatPoolStats[];
  natCounters(): NatCounters[];
  /** Session events (create/refresh/delete) for state sync: off until enabled; bounded ring, overflow counted. */
  natEventsEnable(on: boolean): void;
  natEvents(max: number): NatEvent[];
  natEventsDropped(): bigint;
  /** Monotonic counters of the runtime around the pipeline, by snake_case name (e.g. neighbor_resolutions,
   *  events_dropped): for /metrics as gw_dp_runtime_<name>_total. Optional so older fakes need not model it. */
  runtimeCounters?(): Record<string, bigint>;
}

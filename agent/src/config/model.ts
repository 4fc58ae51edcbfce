// The desired-state document: the one thing operators write. Everything else (FRR config, dataplane tables,
// the sister gateway) is derived from it by ConfigConsumers (consumer.ts).
//
// These types are what the core sees after parsing at the edge (openapi/gateway.yaml validates the shape,
// config/validate.ts the semantics). The OpenAPI schema `Config` must stay assignable to DesiredState; a
// compile-time check in config/spec-types.ts fails `tsc` when the two drift.
//
// Conventions: addresses and prefixes are canonical strings ("10.0.0.1", "10.0.0.0/24", "2001:db8::/64"),
// names are [A-Za-z0-9_.-], lists are arrays (not maps) so that order is the operator's and diffs are stable.

/** One whole generation of desired state. */
export interface DesiredState {
  gateway: GatewaySpec;
  vpcs: Vpc[];
  peerings: Peering[];
  groups: GatewayGroup[];
  staticRoutes: StaticRoute[];
}

export interface GatewaySpec {
  /** This gateway's name; matches a gateway group member name. */
  name: string;
  /** Underlay BGP autonomous system. */
  asn: number;
  /** BGP router-id; also the loopback (protocol IP) address, announced as a /32. */
  routerId: string;
  /** VXLAN tunnel endpoint. Required once VPCs exist. */
  vtep?: Vtep;
  ports: Port[];
  neighbors: BgpNeighbor[];
  bfdProfiles: BfdProfile[];
  /** Settings shared by many neighbors (a fabric's leafs); a neighbor's own setting wins over its group's. */
  neighborGroups?: NeighborGroup[];
  /** Route policies (import/export), rendered to FRR prefix-lists, community-lists and route-maps. */
  policies?: RoutePolicy[];
  /** Raw FRR configuration for what the model does not cover; checked by FRR before it is applied. */
  frrFragments?: FrrFragments;
}

/** What a neighbor or a neighbor group may set; absent everywhere = the documented safe default. */
export interface SessionSettings {
  /** Name of a RoutePolicy for what is accepted from the neighbor; default: host routes only (/32, /128). */
  import?: string;
  /** Name of a RoutePolicy for what is announced to it; default: only what the gateway originates. */
  export?: string;
  maximumPrefix?: MaximumPrefix;
  /** File holding the TCP MD5 password (RFC 2385); the password itself never is in the document. */
  passwordFile?: string;
  /** GTSM (RFC 5082): accept the session only from at most this many hops away. */
  ttlSecurityHops?: number;
  bfdProfile?: string;
}

export interface MaximumPrefix {
  /** Accepted prefixes per address family beyond which the session is torn down. */
  limit: number;
  /** Percentage of the limit at which FRR warns (default 75). */
  warningPercent?: number;
  /** Minutes after which a session torn down by the limit comes back (0 = stays down until cleared). */
  restartMinutes?: number;
}

export interface NeighborGroup extends SessionSettings {
  name: string;
}

/** Rules in order, first match decides; a route no rule matches is refused. */
export interface RoutePolicy {
  name: string;
  rules: PolicyRule[];
}

export interface PolicyRule {
  action: 'permit' | 'deny';
  /** All given conditions must hold; no condition = every route. */
  match?: PolicyMatch;
  /** Applied to a permitted route. */
  set?: PolicySet;
}

export interface PolicyMatch {
  /** Any of these (of the route's family). */
  prefixes?: PrefixMatch[];
  /** Any of these communities ("65000:100" or a well-known name). */
  communities?: string[];
  /** `gateway`: routes this gateway originates (empty AS path), not learned ones. */
  origin?: 'gateway';
}

export interface PrefixMatch {
  prefix: string;
  /** Also longer prefixes inside it, of at least / at most this length. */
  ge?: number;
  le?: number;
}

export interface PolicySet {
  localPreference?: number;
  med?: number;
  /** Added to the route's communities. */
  communities?: string[];
}

export interface FrrFragments {
  /** Top-level lines, after everything the gateway renders. */
  global?: string;
  /** Lines inside `router bgp <asn>`, after the rendered neighbors (before the address families). */
  routerBgp?: string;
}

export interface Vtep {
  /** IPv4 only (EVPN type-5 next hop). */
  ip: string;
  /** Router MAC announced in EVPN routes, "02:00:00:00:00:01". */
  mac: string;
  mtu?: number;
}

export interface Port {
  /** Operator-facing name, also the punt tap name. */
  name: string;
  /** DPDK device: PCI address or vdev args ("net_af_xdp0,iface=eth1"). */
  device: string;
  mtu: number;
  /** Interface addresses with prefix length ("10.1.0.2/31"). */
  addresses: string[];
}

export interface BgpNeighbor extends SessionSettings {
  /** The peer's address; absent = an unnumbered (interface) session on `port`. */
  ip?: string;
  /** The peer's AS, or "external": any AS but ours (the usual choice for unnumbered fabric ports). */
  asn: number | 'external';
  /**
   * With `ip`: the port the session is sourced from. Without: the session runs over this port's IPv6 link-local
   * address (the peer is found by its router advertisements) and IPv4 routes arrive with IPv6 next hops (RFC 8950).
   */
  port?: string;
  /** Name of a NeighborGroup whose settings apply where the neighbor sets none. */
  group?: string;
}

/** How FRR and the status name a neighbor: its address, or the port of an unnumbered session. */
export function neighborName(n: Pick<BgpNeighbor, 'ip' | 'port'>): string {
  return n.ip ?? n.port ?? '';
}

export interface BfdProfile {
  name: string;
  detectMultiplier: number;
  receiveIntervalMs: number;
  transmitIntervalMs: number;
}

export interface Vpc {
  name: string;
  /** Short stable id (Hedgehog style, 1..5 alnum): used in derived names (VRFs, taps) that have length limits. */
  id: string;
  vni: number;
  subnets: Subnet[];
}

export interface Subnet {
  name: string;
  cidr: string;
}

/** Connects exactly two VPCs; each side lists what it exposes to the other. */
export interface Peering {
  name: string;
  /** Gateway group that serves this peering; absent = every gateway. */
  group?: string;
  sides: [PeeringSide, PeeringSide];
}

export interface PeeringSide {
  vpc: string;
  expose: Expose[];
}

export interface Expose {
  /** Prefixes of this side's VPC made reachable to the other side. */
  ips: string[];
  /** Prefixes the other side sees instead of `ips` (NAT); absent = no translation. */
  as?: string[];
  nat?: Nat;
  rateLimit?: RateLimit;
  /** Catch-all expose (default route towards this side). */
  default?: boolean;
}

export type Nat =
  | { mode: 'static' }
  | { mode: 'masquerade'; idleTimeoutSeconds?: number; filtering?: NatFiltering }
  | { mode: 'portForward'; idleTimeoutSeconds?: number; ports: PortForward[] }
  | { mode: 'nat64' };

/**
 * Which packets from the other side a masquerade mapping admits (RFC 4787 section 5): from any endpoint, only
 * from addresses the inside host has sent to, or only from the exact address and port. Default address-dependent.
 */
export type NatFiltering = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

export interface PortForward {
  proto: 'tcp' | 'udp';
  /** The service's real port (on the `ips` address). */
  port: number;
  /** The port the other side connects to (on the `as` address). */
  as: number;
}

export interface RateLimit {
  packetsPerSecond?: number;
  bitsPerSecond?: number;
}

/** A/B members; the highest priority member is active for peerings of this group. */
export interface GatewayGroup {
  name: string;
  members: GroupMember[];
}

export interface GroupMember {
  name: string;
  priority: number;
}

export interface StaticRoute {
  /** VPC name; absent = the underlay (default VRF). */
  vpc?: string;
  prefix: string;
  /** ECMP next hops; empty together with blackhole (silent drop) or reject (drop + ICMP unreachable). */
  nexthops: StaticNexthop[];
  blackhole?: boolean;
  reject?: boolean;
  /**
   * Administrative distance 1..255 (default 1): zebra installs, of all routes for the prefix, the one with the
   * lowest distance (eBGP 20, iBGP 200), so a static route can be a preferred path or a floating backup.
   */
  distance?: number;
}

export interface StaticNexthop {
  ip: string;
  port?: string;
}

/** A stored generation: the document plus its number (monotonic, starts at 1; 0 = nothing stored yet). */
export interface Generation {
  generation: number;
  spec: DesiredState;
}

/** The document a gateway runs before anyone configured it. */
export function emptyState(): DesiredState {
  return {
    gateway: { name: 'gw', asn: 65000, routerId: '192.0.2.1', ports: [], neighbors: [], bfdProfiles: [] },
    vpcs: [],
    peerings: [],
    groups: [],
    staticRoutes: [],
  };
}

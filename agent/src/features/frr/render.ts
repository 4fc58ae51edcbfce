// Renders the gateway's FRR configuration (one integrated frr.conf for zebra, bgpd, bfdd, staticd) from the
// desired state. Pure: same input, same text, so frr-reload.py's diff against the running config is minimal and
// a re-render of an unchanged generation changes nothing.
import { isIP } from 'node:net';
import type { BgpNeighbor, DesiredState, StaticRoute } from '../../config/model.ts';
import { problem, type Problem } from '../../config/problem.ts';
import { parseIp, parsePrefix } from '../../dataplane/addr.ts';
import type { FrrText } from './contrib.ts';
import type { FrrBootOptions } from './options.ts';

export type RenderOptions = Pick<FrrBootOptions, 'kernelForwarding' | 'maximumPaths'> &
  Partial<Pick<FrrBootOptions, 'redistributeConnected'>> & {
    /** Render the document's underlay static routes (staticd runs): zebra is then the one RIB for them. */
    staticRoutes?: boolean;
    /** Kernel interface of a port where it is not the port's name (a boot port with its own `tapName`). */
    interfaces?: Readonly<Record<string, string>>;
    /** Other features' text (contrib.ts), placed where FRR expects it. */
    extra?: FrrText;
  };

/** bfdd's defaults (FRR 8.4). */
const BFD_DEFAULTS = { detectMultiplier: 3, intervalMs: 300 };

/** What the renderer cannot express: static routes in VPCs (no VRFs in FRR yet) when it realizes static routes. */
export function renderProblems(spec: DesiredState, o: Pick<RenderOptions, 'staticRoutes'>): Problem[] {
  if (!o.staticRoutes) return [];
  return spec.staticRoutes.flatMap((r, i) =>
    r.vpc === undefined ? [] : [problem('NOT_SUPPORTED', `/staticRoutes/${i}/vpc`, 'static routes in VPCs are not realized by FRR yet (underlay only)')],
  );
}

/** staticd's default distance: not shown by `show running-config`, so never rendered (frr-reload would re-add it). */
const STATIC_DISTANCE = 1;

/**
 * `ip route` / `ipv6 route` lines of one static route in the canonical text `show running-config` prints, one
 * per next hop (zebra makes them one ECMP route).
 */
export function staticRouteLines(r: StaticRoute, ifname: (port: string) => string): string[] {
  const p = parsePrefix(r.prefix);
  if (!p) return [];
  const head = `${p.family === 4 ? 'ip' : 'ipv6'} route ${p.text}`;
  const dist = r.distance !== undefined && r.distance !== STATIC_DISTANCE ? ` ${r.distance}` : '';
  if (r.blackhole) return [`${head} blackhole${dist}`];
  if (r.reject) return [`${head} reject${dist}`];
  return r.nexthops.map((nh) => `${head} ${parseIp(nh.ip)?.text ?? nh.ip}${nh.port !== undefined ? ` ${ifname(nh.port)}` : ''}${dist}`);
}

export function renderFrrConfig(spec: DesiredState, o: RenderOptions): string {
  const g = spec.gateway;
  const out: string[] = [];
  const line = (s: string): void => void out.push(s);
  const ifname = (port: string): string => o.interfaces?.[port] ?? port;
  line('frr defaults traditional');
  line(`hostname ${g.name}`);
  // Explicit both ways: frr-reload.py turns an absent line into the default, i.e. forwarding ON.
  line(o.kernelForwarding ? 'ip forwarding' : 'no ip forwarding');
  line(o.kernelForwarding ? 'ipv6 forwarding' : 'no ipv6 forwarding');
  line('!');
  for (const l of o.extra?.zebra ?? []) line(l);

  // Underlay static routes go to zebra like BGP's, so zebra arbitrates by distance and the plugin hands the
  // winner to the dataplane; a removed static falls back to the next best route. VPC routes are not realized.
  if (o.staticRoutes) {
    const statics = spec.staticRoutes.filter((r) => r.vpc === undefined).flatMap((r) => staticRouteLines(r, ifname));
    for (const l of statics) line(l);
    if (statics.length > 0) line('!');
  }

  if (g.bfdProfiles.length > 0) {
    line('bfd');
    for (const p of g.bfdProfiles) {
      line(` profile ${p.name}`);
      // FRR's defaults are not shown by `show running-config`: written out, frr-reload.py would see them as
      // missing and re-apply them on every reload, which restarts the BFD sessions of the profile (and resets
      // BGP sessions that were just coming up). So only values that differ from the default are rendered.
      if (p.detectMultiplier !== BFD_DEFAULTS.detectMultiplier) line(`  detect-multiplier ${p.detectMultiplier}`);
      if (p.receiveIntervalMs !== BFD_DEFAULTS.intervalMs) line(`  receive-interval ${p.receiveIntervalMs}`);
      if (p.transmitIntervalMs !== BFD_DEFAULTS.intervalMs) line(`  transmit-interval ${p.transmitIntervalMs}`);
      line(' exit');
    }
    line('exit');
    line('!');
  }

  // An unnumbered (interface) session carries both families: IPv4 with IPv6 next hops (RFC 8950), which FRR
  // negotiates by itself for interface peers (`capability extended-nexthop` is on and not shown in running-config).
  const peer = (n: BgpNeighbor): string => n.ip ?? ifname(n.port!);
  const v4 = g.neighbors.filter((n) => n.ip === undefined || isIP(n.ip) === 4);
  const v6 = g.neighbors.filter((n) => n.ip === undefined || isIP(n.ip) === 6);
  line(`router bgp ${g.asn}`);
  line(` bgp router-id ${g.routerId}`);
  // Debian's FRR defaults to RFC 8212 behaviour: without this, eBGP sessions exchange nothing until policies exist.
  line(' no bgp ebgp-requires-policy');
  line(' no bgp default ipv4-unicast');
  // ECMP across leafs in different ASes.
  line(' bgp bestpath as-path multipath-relax');
  // Only advertise what the dataplane accepted (the zebra plugin completes a refused route as failed).
  line(' bgp suppress-fib-pending');
  // Session resets (BFD down, notifications) land in the gateway log with their reason: the timeline an
  // operator needs when traffic stopped for longer than the failover (`traditional` defaults leave it off).
  line(' bgp log-neighbor-changes');
  // Graceful restart (RFC 4724): when our bgpd (or all of FRR) restarts, the leafs keep forwarding to us on
  // the routes we announced, and zebra keeps bgpd's routes while it is away (zebra client graceful restart).
  // preserve-fw-state sets the F bit (section 3): it is true here, the dataplane forwards on across the restart.
  // Timers stay FRR's defaults (restart 120 s, stale path 360 s), which `show running-config` omits.
  line(' bgp graceful-restart');
  line(' bgp graceful-restart preserve-fw-state');
  for (const n of g.neighbors) {
    if (n.ip === undefined) line(` neighbor ${peer(n)} interface remote-as ${n.asn}`);
    else line(` neighbor ${n.ip} remote-as ${n.asn}`);
    if (n.port && n.ip !== undefined) line(` neighbor ${n.ip} update-source ${ifname(n.port)}`);
    if (n.bfdProfile) {
      line(` neighbor ${peer(n)} bfd`);
      line(` neighbor ${peer(n)} bfd profile ${n.bfdProfile}`);
    }
  }
  line(' !');
  line(' address-family ipv4 unicast');
  // The router-id is the gateway's loopback (protocol) address, put on lo by the interface manager.
  line(`  network ${g.routerId}/32`);
  if (o.redistributeConnected) line('  redistribute connected');
  for (const l of o.extra?.bgpIpv4Unicast ?? []) line(l);
  for (const n of v4) line(`  neighbor ${peer(n)} activate`);
  line(`  maximum-paths ${o.maximumPaths}`);
  line(' exit-address-family');
  if (v6.length > 0) {
    line(' !');
    line(' address-family ipv6 unicast');
    if (o.redistributeConnected) line('  redistribute connected');
    for (const n of v6) line(`  neighbor ${peer(n)} activate`);
    line(`  maximum-paths ${o.maximumPaths}`);
    line(' exit-address-family');
  }
  for (const l of o.extra?.bgpFamilies ?? []) line(l);
  line('exit');
  line('!');
  for (const l of o.extra?.blocks ?? []) line(l);
  return out.join('\n') + '\n';
}

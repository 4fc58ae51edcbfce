// Renders the gateway's FRR configuration (one integrated frr.conf for zebra, bgpd, bfdd, staticd) from the
// desired state. Pure: same input, same text, so frr-reload.py's diff against the running config is minimal and
// a re-render of an unchanged generation changes nothing.
import { isIP } from 'node:net';
import type { BgpNeighbor, DesiredState, StaticRoute } from '../../config/model.ts';
import { problem, type Problem } from '../../config/problem.ts';
import { parseIp, parsePrefix } from '../../dataplane/addr.ts';
import type { FrrText } from './contrib.ts';
import type { FrrBootOptions } from './options.ts';
import { EVPN_ROUTE_MAPS, effectiveSession, maximumPrefixLine, renderPolicies } from './policy.ts';
import { FRR_DEFAULTS, template } from './templates.ts';

export type RenderOptions = Pick<FrrBootOptions, 'kernelForwarding' | 'maximumPaths'> &
  Partial<Pick<FrrBootOptions, 'redistributeConnected'>> & {
    /** Render the document's underlay static routes (staticd runs): zebra is then the one RIB for them. */
    staticRoutes?: boolean;
    /** Kernel interface of a port where it is not the port's name (a boot port with its own `tapName`). */
    interfaces?: Readonly<Record<string, string>>;
    /** Contents of the secret files the document references (passwordFile), read by the caller. */
    secrets?: Readonly<Record<string, string>>;
    /** Drained (RFC 8326): `bgp graceful-shutdown`. */
    drained?: boolean;
    /** Other features' text (contrib.ts), placed where FRR expects it. */
    extra?: FrrText;
  };

/** bfdd's defaults (FRR 8.4, frr/defaults.json). */
const BFD_DEFAULTS = FRR_DEFAULTS.bfd;

/** What the renderer cannot express: static routes in VPCs (no VRFs in FRR yet) when it realizes static routes. */
export function renderProblems(spec: DesiredState, o: Pick<RenderOptions, 'staticRoutes'>): Problem[] {
  if (!o.staticRoutes) return [];
  return spec.staticRoutes.flatMap((r, i) =>
    r.vpc === undefined ? [] : [problem('NOT_SUPPORTED', `/staticRoutes/${i}/vpc`, 'static routes in VPCs are not realized by FRR yet (underlay only)')],
  );
}

/** staticd's default distance: not shown by `show running-config`, so never rendered (frr-reload would re-add it). */
const STATIC_DISTANCE = FRR_DEFAULTS.staticDistance;

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
  out.push(...template('head', { hostname: g.name, no: o.kernelForwarding ? '' : 'no ' }));
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

  out.push(...renderPolicies(spec));

  // An unnumbered (interface) session carries both families: IPv4 with IPv6 next hops (RFC 8950), which FRR
  // negotiates by itself for interface peers (`capability extended-nexthop` is on and not shown in running-config).
  const peer = (n: BgpNeighbor): string => n.ip ?? ifname(n.port!);
  const v4 = g.neighbors.filter((n) => n.ip === undefined || isIP(n.ip) === 4);
  const v6 = g.neighbors.filter((n) => n.ip === undefined || isIP(n.ip) === 6);
  const sessions = new Map(g.neighbors.map((n) => [peer(n), effectiveSession(n, spec)]));
  out.push(...template('bgp-global', { asn: g.asn, routerId: g.routerId }));
  // RFC 8326: GRACEFUL_SHUTDOWN on everything announced to eBGP peers, local-preference 0 on what they send.
  if (o.drained) line(' bgp graceful-shutdown');
  for (const n of g.neighbors) {
    const name = peer(n);
    const s = sessions.get(name)!;
    if (n.ip === undefined) line(` neighbor ${name} interface remote-as ${n.asn}`);
    else line(` neighbor ${n.ip} remote-as ${n.asn}`);
    if (n.port && n.ip !== undefined) line(` neighbor ${n.ip} update-source ${ifname(n.port)}`);
    if (s.passwordFile !== undefined) {
      const pw = o.secrets?.[s.passwordFile];
      if (pw === undefined) throw new Error(`no secret read from ${s.passwordFile}`);
      line(` neighbor ${name} password ${pw}`);
    }
    if (s.ttlSecurityHops !== undefined) line(` neighbor ${name} ttl-security hops ${s.ttlSecurityHops}`);
    if (s.bfdProfile) {
      line(` neighbor ${name} bfd`);
      line(` neighbor ${name} bfd profile ${s.bfdProfile}`);
    }
  }
  if (g.frrFragments?.routerBgp) for (const l of fragmentLines(g.frrFragments.routerBgp)) line(` ${l}`);
  const family = (n: BgpNeighbor): void => {
    const name = peer(n);
    const s = sessions.get(name)!;
    line(`  neighbor ${name} activate`);
    // Keeps what the neighbor sent before policy (received-routes): what was filtered stays visible and counted.
    line(`  neighbor ${name} soft-reconfiguration inbound`);
    line(`  neighbor ${name} route-map ${s.import} in`);
    line(`  neighbor ${name} route-map ${s.export} out`);
    line(`  ${maximumPrefixLine(name, s.maximumPrefix)}`);
  };
  line(' !');
  line(' address-family ipv4 unicast');
  // The router-id is the gateway's loopback (protocol) address, put on lo by the interface manager.
  line(`  network ${g.routerId}/32`);
  // The VTEP is the overlay's tunnel endpoint: the fabric must reach it (default export lets it out).
  if (g.vtep && g.vtep.ip !== g.routerId) line(`  network ${g.vtep.ip}/32`);
  if (o.redistributeConnected) line('  redistribute connected');
  for (const l of o.extra?.bgpIpv4Unicast ?? []) line(l);
  for (const n of v4) family(n);
  line(`  maximum-paths ${o.maximumPaths}`);
  line(' exit-address-family');
  if (v6.length > 0) {
    line(' !');
    line(' address-family ipv6 unicast');
    if (o.redistributeConnected) line('  redistribute connected');
    for (const n of v6) family(n);
    line(`  maximum-paths ${o.maximumPaths}`);
    line(' exit-address-family');
  }
  for (const l of o.extra?.bgpFamilies ?? []) line(l);
  line('exit');
  line('!');
  for (const l of o.extra?.blocks ?? []) line(l);
  if (g.frrFragments?.global) {
    for (const l of fragmentLines(g.frrFragments.global)) line(l);
    line('!');
  }
  return out.join('\n') + '\n';
}

/** A fragment's lines as written, without trailing blanks and empty lines. */
export function fragmentLines(text: string): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
}

/** The rendered config with every neighbor password replaced: what the API, the CLI and logs may show. */
export function redactSecrets(text: string): string {
  return text.replace(/^( neighbor \S+ password )\S+$/gm, '$1<redacted>');
}

export { EVPN_ROUTE_MAPS };

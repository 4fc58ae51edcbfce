// Renders the gateway's FRR configuration (one integrated frr.conf for zebra, bgpd, bfdd) from the desired
// state. Pure: same input, same text, so frr-reload.py's diff against the running config is minimal and a
// re-render of an unchanged generation changes nothing.
import { isIP } from 'node:net';
import type { DesiredState } from '../../config/model.ts';
import type { FrrBootOptions } from './options.ts';

export type RenderOptions = Pick<FrrBootOptions, 'kernelForwarding' | 'maximumPaths'> & Partial<Pick<FrrBootOptions, 'redistributeConnected'>>;

/** bfdd's defaults (FRR 8.4). */
const BFD_DEFAULTS = { detectMultiplier: 3, intervalMs: 300 };

export function renderFrrConfig(spec: DesiredState, o: RenderOptions): string {
  const g = spec.gateway;
  const out: string[] = [];
  const line = (s: string): void => void out.push(s);
  line('frr defaults traditional');
  line(`hostname ${g.name}`);
  // Explicit both ways: frr-reload.py turns an absent line into the default, i.e. forwarding ON.
  line(o.kernelForwarding ? 'ip forwarding' : 'no ip forwarding');
  line(o.kernelForwarding ? 'ipv6 forwarding' : 'no ipv6 forwarding');
  line('!');

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

  const v4 = g.neighbors.filter((n) => isIP(n.ip) === 4);
  const v6 = g.neighbors.filter((n) => isIP(n.ip) === 6);
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
    line(` neighbor ${n.ip} remote-as ${n.asn}`);
    if (n.port) line(` neighbor ${n.ip} update-source ${n.port}`);
    if (n.bfdProfile) {
      line(` neighbor ${n.ip} bfd`);
      line(` neighbor ${n.ip} bfd profile ${n.bfdProfile}`);
    }
  }
  line(' !');
  line(' address-family ipv4 unicast');
  // The router-id is the gateway's loopback (protocol) address, put on lo by the interface manager.
  line(`  network ${g.routerId}/32`);
  if (o.redistributeConnected) line('  redistribute connected');
  for (const n of v4) line(`  neighbor ${n.ip} activate`);
  line(`  maximum-paths ${o.maximumPaths}`);
  line(' exit-address-family');
  if (v6.length > 0) {
    line(' !');
    line(' address-family ipv6 unicast');
    if (o.redistributeConnected) line('  redistribute connected');
    for (const n of v6) line(`  neighbor ${n.ip} activate`);
    line(`  maximum-paths ${o.maximumPaths}`);
    line(' exit-address-family');
  }
  line('exit');
  line('!');
  return out.join('\n') + '\n';
}

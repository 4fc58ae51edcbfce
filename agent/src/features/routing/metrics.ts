// gw_cpi_* series: the zebra plugin link and the model it feeds, read at scrape time.
import type { Collectors } from '../../core/feature.ts';
import { CPI, OVERLAY } from '../../core/keys.ts';
import { gauge, mirrored, perScrape, type Labels } from '../../metrics/mirror.ts';
import type { CpiStatus, CpiStatusSource } from './status.ts';

export function cpiCollectors(c: Collectors): void {
  const reg = c.registry;
  const cpi = (): CpiStatusSource | undefined => c.services.find(CPI);
  // One snapshot per scrape: the series below all read it.
  const snap = perScrape(() => cpi()?.snapshot());
  mirrored(reg, 'gw_cpi_ops_total', 'zebra plugin ops by op and outcome', ['op', 'result'], () =>
    Object.entries(snap()?.ops ?? {}).flatMap(([op, c]): [Labels, number][] => [
      [{ op, result: 'received' }, c.received],
      [{ op, result: 'ok' }, c.ok],
      [{ op, result: 'failed' }, c.failed],
    ]),
  );
  mirrored(reg, 'gw_cpi_malformed_total', 'plugin messages that failed decoding or validation', ['code'], () =>
    Object.entries(snap()?.malformed ?? {}).map(([code, v]) => [{ code }, v]),
  );
  mirrored(reg, 'gw_cpi_peer_refused_total', 'plugin peers turned away: not_zebra (connection), peer_busy / not_authenticated (HELLO)', ['code'], () =>
    Object.entries(snap()?.peer.refused ?? {}).map(([code, v]) => [{ code }, v]),
  );
  mirrored(reg, 'gw_cpi_peer_connections_total', 'plugin socket connections by the kernel-credential check', ['result'], () => {
    const c = snap()?.peer.connections;
    return c ? [[{ result: 'accepted' }, c.accepted], [{ result: 'refused' }, c.refused]] : [];
  });
  const scalar = (f: (s: CpiStatus) => number) => (): [Labels, number][] => {
    const s = snap();
    return s ? [[{}, f(s)]] : [];
  };
  mirrored(reg, 'gw_cpi_messages_received_total', 'messages received from the plugin', [], scalar((s) => s.messagesReceived));
  mirrored(reg, 'gw_cpi_batches_answered_total', 'reply batches sent to the plugin', [], scalar((s) => s.batchesAnswered));
  mirrored(reg, 'gw_cpi_log_suppressed_total', 'warning lines about plugin input withheld by the rate limit', [], scalar((s) => s.logSuppressed));
  gauge(reg, 'gw_cpi_peer_pid', 'pid of the zebra holding the plugin session (kernel-verified)', [], () => {
    const p = snap()?.peer.pid;
    return p ? [[{}, p]] : [];
  });
  gauge(reg, 'gw_cpi_pending_ops', 'ops received and not answered yet', [], scalar((s) => s.pendingOps));
  gauge(reg, 'gw_cpi_epoch', 'plugin session epoch (increments on every reconnect)', [], scalar((s) => s.epoch));
  gauge(reg, 'gw_cpi_state', '1 for the current plugin link state', ['state'], () => {
    const s = snap();
    return s ? (['waiting', 'syncing', 'established', 'lost'] as const).map((st) => [{ state: st }, s.state === st ? 1 : 0]) : [];
  });
  gauge(reg, 'gw_cpi_model_entries', 'entries in the agent model built from the plugin', ['table'], () => {
    const s = snap();
    return s ? [...Object.entries(s.rib), ...Object.entries(s.evpn)].map(([table, v]) => [{ table }, v]) : [];
  });
  // Read at scrape time (no snapshot): two counts the FIB keeps.
  gauge(reg, 'gw_cpi_overlay_tunnels', 'live VXLAN tunnels (one per L3VNI and remote VTEP) the overlay routes use', [], () => {
    const o = c.services.find(OVERLAY);
    return o ? [[{}, o.vteps().length]] : [];
  });
  gauge(reg, 'gw_cpi_overlay_waiting_routes', 'EVPN routes accepted from zebra and waiting for the router MAC of their VTEP (not forwarding)', [], () => {
    const o = c.services.find(OVERLAY);
    return o ? [[{}, o.waiting()]] : [];
  });
}

// Puts the config in force back into daemons that restarted empty, so that the restart stays invisible to the
// leafs (graceful restart, RFC 4724) instead of resetting their sessions.
//
// Two FRR 8.4 behaviours shape it (bgpd/bgp_bfd.c, bfdd/ptm_adapter.c):
// - bgpd creates a neighbor's BFD session before the TCP session exists (no local address, no interface) and
//   re-registers it with both once the session is Established; bfdd answers the deregistration by sending the
//   peer a Down (pcn_free -> _ptm_bfd_session_del, even for a configured session), the peer tears BGP down with
//   a Cease/BFD-down NOTIFICATION, which RFC 8538 section 5.1 makes a hard reset: our routes are flushed.
// - frr-reload.py applies a diff in several vtysh calls; a bgpd that opens a session between them announces
//   no address family, and a helper drops the routes of families missing after a restart (RFC 4724 section 4.2).
// So: everything but the neighbors' `bfd` lines in one `vtysh -f` pass (one configuration transaction: bgpd
// holds new peers until it ends), then, once BGP is Established (bounded), the `bfd` lines: a session
// configured on an Established peer is created with its full key and never re-registered.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FrrApplyError, reloadFailures, restoreFrrConfig } from './reload.ts';
import { sleep } from './proc.ts';
import { bgpPeers, vtysh } from './vtysh.ts';

const NEIGHBOR_BFD = /^ neighbor \S+ bfd( |$)/;

/** The rendered config split into what a restarted daemon gets at once and the BFD lines it gets later. */
export function splitBfd(text: string): { first: string; bfd: { router: string; lines: string[] } | null } {
  const lines = text.split('\n');
  const bfd = lines.filter((l) => NEIGHBOR_BFD.test(l)).map((l) => l.trim());
  const router = lines.find((l) => /^router bgp \d+$/.test(l));
  return { first: lines.filter((l) => !NEIGHBOR_BFD.test(l)).join('\n'), bfd: bfd.length && router ? { router, lines: bfd } : null };
}

export interface RestoreLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export async function restoreAfterRestart(instance: string, dir: string, text: string, log: RestoreLog, establishTimeoutMs = 30_000): Promise<void> {
  const { first, bfd } = splitBfd(text);
  writeFileSync(join(dir, 'frr.conf.restore'), first, { mode: 0o640 });
  await restoreFrrConfig(instance, dir, 'frr.conf.restore');
  if (!bfd) return;
  const end = Date.now() + establishTimeoutMs;
  let peers = await bgpPeers(instance);
  while ([...peers.values()].some((p) => p.state !== 'Established') && Date.now() < end) {
    await sleep(100);
    peers = await bgpPeers(instance);
  }
  const down = [...peers.values()].filter((p) => p.state !== 'Established').map((p) => p.peer);
  if (down.length) log.warn({ mod: 'frr', down }, 'BGP not Established after the restart; enabling BFD anyway');
  const args = ['-c', 'configure terminal', '-c', bfd.router, ...bfd.lines.flatMap((l) => ['-c', l]), '-c', 'end'];
  const r = await vtysh(instance, args);
  const bad = reloadFailures(`${r.stdout}\n${r.stderr}`);
  if (r.code !== 0 || bad.length) throw new FrrApplyError('FRR_RELOAD_FAILED', bad.join('; ') || `vtysh exited ${r.code}`);
  log.info({ mod: 'frr', lines: bfd.lines.length }, 'BFD re-enabled on the Established BGP sessions');
}

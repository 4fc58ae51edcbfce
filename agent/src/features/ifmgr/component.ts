// The interface manager as a daemon component: provides IFMGR; owners (the FRR component for the loopback,
// the overlay for VXLAN/bridges) declare their netdevs through it. On stop it removes what it owns, so a
// stopped gateway leaves its namespace as it found it.
import type { Component, DaemonContext } from '../../core/daemon.ts';
import { IFMGR } from '../../core/keys.ts';
import { IpKernel } from './kernel.ts';
import { InterfaceManager } from './manager.ts';

export function ifmgrComponent(ctx: DaemonContext): Component {
  let mgr: InterfaceManager | null = null;
  return {
    name: 'ifmgr',
    async start() {
      const sec = (ctx.boot.sections.ifmgr ?? {}) as Record<string, unknown>;
      for (const k of Object.keys(sec)) if (k !== 'keepOnStop') throw new Error(`boot.ifmgr.${k}: unknown key`);
      mgr = new InterfaceManager(new IpKernel(), ctx.boot.instance, ctx.log);
      mgr.start();
      ctx.registry.provide(IFMGR, mgr);
    },
    async stop() {
      if (!mgr) return;
      mgr.stop();
      const sec = (ctx.boot.sections.ifmgr ?? {}) as Record<string, unknown>;
      if (sec.keepOnStop !== true) await mgr.clear();
    },
  };
}

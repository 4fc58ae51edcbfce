// The evpn component: probes the VRF backend (and logs the choice), makes FRR's private mount namespace for the
// netns backend before FRR starts, contributes the overlay's FRR text, and realizes the VPC netdevs as a config
// consumer registered before FRR's (so the VRFs exist when FRR is told about them).
import { execFileSync } from 'node:child_process';
import type { Component, DaemonContext } from '../../core/daemon.ts';
import { CONFIG, EVPN_VNIS, FRR_MOUNTNS, IFMGR, ZEBRA_VRFS } from '../../core/keys.ts';
import { frrContributions } from '../frr/contrib.ts';
import { FrrMountNamespace } from '../frr/mountns.ts';
import { frrBootOptions } from '../frr/options.ts';
import { vtysh } from '../frr/vtysh.ts';
import { probeVrfBackend } from './backend.ts';
import { overlayFrrText } from './frr-text.ts';
import { EvpnService } from './service.ts';

/** How often VPC namespaces re-made behind our back are re-bound, and zebra's VRF ids re-read. */
const SYNC_MS = 1000;

export function evpnComponent(ctx: DaemonContext): Component {
  let mountns: FrrMountNamespace | undefined;
  let svc: EvpnService | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'evpn',
    async start() {
      const log = ctx.log.child({ mod: 'evpn' });
      const choice = await probeVrfBackend();
      log.info({ backend: choice.backend, reason: choice.reason }, `VRF backend: ${choice.backend}`);
      if (choice.backend === 'netns') {
        mountns = new FrrMountNamespace(ctx.log);
        await mountns.start();
        ctx.registry.provide(FRR_MOUNTNS, mountns);
      }
      const frrInstance = frrBootOptions(ctx.boot).instance;
      const showVrf = async (): Promise<string | undefined> => {
        const r = await vtysh(frrInstance, ['-d', 'zebra', '-c', 'show vrf']);
        return r.code === 0 ? r.stdout : undefined;
      };
      const showVrfSync = (): string | undefined => {
        try {
          return execFileSync('vtysh', ['-N', frrInstance, '-d', 'zebra', '-c', 'show vrf'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
        } catch {
          return undefined;
        }
      };
      svc = new EvpnService(ctx.boot.instance, choice.backend, () => ctx.registry.find(IFMGR), mountns, showVrf, ctx.log, showVrfSync);
      const textOpts = choice.backend === 'netns' ? { netnsDir: '/run/netns' } : {};
      frrContributions(ctx.registry).add((spec) => overlayFrrText(spec, textOpts));
      ctx.registry.provide(ZEBRA_VRFS, svc.vrfs);
      ctx.registry.provide(EVPN_VNIS, svc.vniMap);
      svc.vrfs.start(SYNC_MS);
      const s = svc;
      timer = setInterval(() => void s.syncViews(), SYNC_MS);
      timer.unref();
      const hub = ctx.registry.find(CONFIG);
      if (hub) {
        hub.addConsumer(svc);
        const cur = hub.applied();
        if (cur) await svc.apply(cur);
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      svc?.vrfs.stop();
      mountns?.stop();
    },
  };
}

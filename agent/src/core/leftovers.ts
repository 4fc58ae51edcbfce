// Start-up clean-up: an agent killed without stopping (SIGKILL, OOM, a crash) leaves processes, XDP programs
// and sockets of its instance behind, and they keep the ports and the FRR path space taken. This component
// runs right after the config component took the instance's state lock (so no live agent of the instance is
// left whose things we would remove) and before any feature starts: each feature clears its own leftovers, in
// reverse feature order as the daemon stops them (FRR daemons, which held the ports' fds, before the ports).
import type { Component, DaemonContext } from './daemon.ts';
import type { FeatureModule } from './feature.ts';

export function leftoversComponent(ctx: DaemonContext, features: readonly FeatureModule[]): Component {
  return {
    name: 'leftovers',
    async start() {
      for (const f of [...features].reverse()) await f.clearLeftovers?.(ctx);
    },
    async stop() {},
  };
}

// The agent as the overlay CPI test runs it: vpc-gatewayd's features with `ovl-vpcs` in place of features/vpc and
// features/evpn: the test runs zebra and its VRF netns itself (harness.ts), so a test-side stand-in provides the
// zebra-VRF map (ZEBRA_VRFS) and the VPC directory (VPCS) those features provide in the product. The VPCs come
// from OVL_VPCS (JSON: FRR instance and { name, vni, vrf } per VPC); each gets its dataplane VRF, and a zebra VRF
// maps to the VPC of its name, as zebra's `show vrf` lists it (netns backend: one netns per VRF).
import { execFileSync } from 'node:child_process';
import type { Component, DaemonContext } from '../../agent/src/core/daemon.ts';
import type { FeatureModule } from '../../agent/src/core/feature.ts';
import { DATAPLANE } from '../../agent/src/core/keys.ts';
import { FEATURE_MODULES } from '../../agent/src/features/index.ts';
import { VPCS_KEY, ZEBRA_VRFS_KEY, type VpcLookup, type ZebraVrfLookup } from '../../agent/src/features/routing/overlay-vrfs.ts';
import { runDaemon } from '../../agent/src/run.ts';

interface Spec {
  frr: string;
  vpcs: { name: string; vni: number; vrf: number }[];
}

/** zebra's VRF ids by name, read from `show vrf` on a miss (at most once a second). */
class ZebraVrfsFromVtysh implements ZebraVrfLookup {
  private byId = new Map<number, string>();
  private at = 0;
  constructor(private readonly inst: string) {}
  vpcOf(id: number): string | undefined {
    if (!this.byId.has(id) && Date.now() - this.at >= 1000) {
      this.at = Date.now();
      try {
        const out = execFileSync('vtysh', ['-N', this.inst, '-c', 'show vrf'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        this.byId = new Map([...out.matchAll(/^vrf (\S+) id (\d+)/gm)].map((m) => [Number(m[2]), m[1]!]));
      } catch {
        // zebra not up: the route is refused and counted, as with an unknown VRF
      }
    }
    return this.byId.get(id);
  }
}

class OvlVpcs implements Component, VpcLookup {
  readonly name = 'ovl-vpcs';
  private readonly spec: Spec = JSON.parse(process.env.OVL_VPCS ?? '{"frr":"","vpcs":[]}') as Spec;
  constructor(private readonly ctx: DaemonContext) {}
  byName(name: string): { name: string; vni: number; vrf: number } | undefined {
    return this.spec.vpcs.find((v) => v.name === name);
  }
  async start(): Promise<void> {
    const dp = this.ctx.registry.get(DATAPLANE);
    for (const v of this.spec.vpcs) {
      const r = dp.addVrf(v.vrf);
      if (r !== 'ok') throw new Error(`dataplane VRF ${v.vrf} of ${v.name}: ${r}`);
    }
    this.ctx.registry.provide(VPCS_KEY, this);
    this.ctx.registry.provide(ZEBRA_VRFS_KEY, new ZebraVrfsFromVtysh(this.spec.frr));
  }
  async stop(): Promise<void> {}
}

const ovlVpcs: FeatureModule = { name: 'ovl-vpcs', components: (ctx) => [new OvlVpcs(ctx)] };
// Before routing, as the real features must be: a restarted agent's zebra replays at once.
const replaced = new Set(['vpc', 'evpn']);
void runDaemon(FEATURE_MODULES.flatMap((f) => (replaced.has(f.name) ? [] : f.name === 'routing' ? [ovlVpcs, f] : [f])));

// The overlay's control plane as a ConfigConsumer: per VPC the netdevs zebra needs for an L3VNI (through the
// interface manager) and, with the netns backend, the VPC's namespace made visible to FRR under the VPC's name;
// the FRR text itself comes from frr-text.ts through the renderer's contribution point, applied by the frr
// consumer right after this one. Keeps the zebra VRF id map and the netdev -> VNI map of what it made.
import type { Logger } from 'pino';
import { ConsumerRefusal, type ConfigConsumer } from '../../config/consumer.ts';
import type { Feature } from '../../config/features.ts';
import type { DesiredState, Generation } from '../../config/model.ts';
import { problem, type Problem } from '../../config/problem.ts';
import type { FrrMountNamespace } from '../frr/mountns.ts';
import type { InterfaceManager } from '../ifmgr/manager.ts';
import type { VniMap } from '../routing/evpn.ts';
import type { VrfBackend } from './backend.ts';
import { FRR_VRF_NAME_MAX, KERNEL_IFNAME_MAX, vpcNetdevs } from './names.ts';
import { netnsBackendIntent, vniByNetdev } from './netdevs.ts';
import { overlayVpcs } from './overlay.ts';
import { parseShowVrf, ZebraVrfMap } from './zebra-vrfs.ts';
import { sleep } from '../frr/proc.ts';

const ZEBRA_VRF_WAIT_MS = 10_000;

export class EvpnService implements ConfigConsumer {
  readonly name = 'evpn';
  /** The control-plane half of these; the dataplane half is features/vpc's. */
  readonly realizes: readonly Feature[] = ['vtep', 'vpcs', 'peerings'];
  readonly vrfs: ZebraVrfMap;
  private vpcNames = new Set<string>();
  private vnis = new Map<string, number>();
  /** VPC name -> its netns (netns backend). */
  private views = new Map<string, string>();

  constructor(
    private readonly instance: string,
    readonly backend: VrfBackend,
    private readonly ifmgr: () => InterfaceManager | undefined,
    private readonly mountns: FrrMountNamespace | undefined,
    private readonly showVrf: () => Promise<string | undefined>,
    private readonly log: Logger,
    showVrfSync?: () => string | undefined,
  ) {
    this.vrfs = new ZebraVrfMap(showVrf, () => this.vpcNames, showVrfSync);
  }

  readonly vniMap: VniMap = {
    vniOf: (ifname) => this.vnis.get(ifname),
    cached: (ifname) => this.vnis.get(ifname),
  };

  validate(next: DesiredState): Problem[] {
    const out: Problem[] = [];
    next.vpcs.forEach((v, i) => {
      const at = `/vpcs/${i}/name`;
      const max = this.backend === 'vrf' ? KERNEL_IFNAME_MAX : FRR_VRF_NAME_MAX;
      if (v.name.length > max) out.push(problem('NOT_SUPPORTED', at, `VPC names are FRR VRF names here: at most ${max} characters (${this.backend} backend)`));
      if (this.backend === 'vrf') out.push(problem('NOT_SUPPORTED', `/vpcs/${i}`, 'the kernel VRF backend (kernel-vrf-plan.ts) is not realized by the interface manager yet'));
    });
    return out;
  }

  async apply(next: Generation): Promise<void> {
    const vpcs = overlayVpcs(next.spec);
    const ifmgr = this.ifmgr();
    if (!ifmgr && vpcs.length > 0) throw new ConsumerRefusal('/vpcs', 'no interface manager runs (boot ifmgr/frr section): VPC netdevs cannot be made');
    try {
      await ifmgr?.set('evpn', netnsBackendIntent(this.instance, vpcs, next.spec.gateway.vtep));
    } catch (e) {
      throw new ConsumerRefusal('/vpcs', (e as Error).message);
    }
    this.vpcNames = new Set(vpcs.map((v) => v.name));
    this.vnis = vniByNetdev(this.instance, vpcs);
    this.views = new Map(vpcs.map((v) => [v.name, vpcNetdevs(this.instance, v).netns]));
    await this.syncViews();
    await this.waitZebraVrfs([...this.views.keys()]);
    this.log.info({ mod: 'evpn', generation: next.generation, vpcs: vpcs.map((v) => `${v.name}:${v.vni}`) }, 'overlay netdevs in place');
  }

  /**
   * A running zebra learns a new VPC namespace through inotify, a moment later: the frr consumer right after this
   * one must find the VRF there, else its `netns` line races zebra's own discovery and is refused. A zebra that
   * is not running yet reads /run/netns when it starts.
   */
  private async waitZebraVrfs(names: string[]): Promise<void> {
    if (!this.mountns || names.length === 0) return;
    const end = Date.now() + ZEBRA_VRF_WAIT_MS;
    for (;;) {
      const text = await this.showVrf().catch(() => undefined);
      if (text === undefined) return;
      const ids = parseShowVrf(text);
      const missing = names.filter((n) => !ids.has(n));
      if (missing.length === 0) break;
      if (Date.now() > end) throw new ConsumerRefusal('/vpcs', `zebra did not bring up VRF(s) ${missing.join(', ')} within ${ZEBRA_VRF_WAIT_MS / 1000} s`);
      await sleep(100);
    }
    await this.vrfs.refresh();
  }

  /** Binds VPC namespaces made (or re-made) since the last call into FRR's view; repeated by the component. */
  async syncViews(): Promise<void> {
    try {
      await this.mountns?.set(this.views);
    } catch (e) {
      this.log.warn({ mod: 'evpn', err: (e as Error).message }, 'VPC namespaces not all visible to FRR yet');
    }
  }
}

// The overlay component: registers the VPC consumer with the config hub (when the dataplane has the vxlan
// tables), provides VPCS (the directory other features look VPCs up in) and VPC_STATUS (the realized view for
// the API and /metrics). It needs no boot section: its limits come from the dataplane's (VRF count, VRFs the boot
// file's ports use).
import type { Component, DaemonContext } from '../../core/daemon.ts';
import { CONFIG, DATAPLANE, LOGS, VPC_STATUS, VPCS } from '../../core/keys.ts';
import { TABLE_DEFAULTS } from '../../core/nexthops.ts';
import type { DataplaneApi } from '../../dataplane/api.ts';
import { natCapabilities, realizedModes } from '../nat/dp-tables.ts';
import { parseDataplaneSection } from '../underlay/section.ts';
import { VpcConfigConsumer } from './consumer.ts';
import type { VpcLimits } from './desired.ts';
import { VpcDirectoryImpl } from './directory.ts';
import type { ClassifyTablesApi, OverlayCountersApi, OverlayTablesApi, VxlanTablesApi } from './dp-tables.ts';
import { VpcRealizer } from './realizer.ts';
import { VpcStatusView } from './status.ts';

/** Peering ids the vpc module's tables take (tables.yaml: peering u32 1..65535). */
export const MAX_PEERINGS = 65535;

/** The dataplane's overlay tables as far as this dataplane build has them (vxlan module; vpc module: classify). */
export function overlayTables(dp: DataplaneApi | undefined): { tables: OverlayTablesApi & OverlayCountersApi; classify: boolean } | undefined {
  const t = dp as (Partial<VxlanTablesApi> & Partial<ClassifyTablesApi>) | undefined;
  if (!t || typeof t.setVteps !== 'function' || typeof t.setVnis !== 'function') return undefined;
  const classify = typeof t.setPeeringRoutes === 'function' && typeof t.setPeeringSources === 'function';
  return { tables: dp as unknown as OverlayTablesApi & OverlayCountersApi, classify };
}

export function vpcLimits(bootDataplane: unknown): VpcLimits {
  if (bootDataplane === undefined) return { maxVrfs: TABLE_DEFAULTS.maxVrfs, reservedVrfs: new Set(), maxPeerings: MAX_PEERINGS };
  const sec = parseDataplaneSection(bootDataplane);
  return {
    maxVrfs: sec.eal.tables?.maxVrfs ?? TABLE_DEFAULTS.maxVrfs,
    reservedVrfs: new Set([...sec.ports.map((p) => p.vrf), ...sec.staticRoutes.map((r) => r.vrf)].filter((v) => v !== 0)),
    maxPeerings: MAX_PEERINGS,
  };
}

export class VpcComponent implements Component {
  readonly name = 'vpc';

  constructor(private readonly ctx: DaemonContext) {}

  async start(): Promise<void> {
    const log = (this.ctx.registry.find(LOGS)?.for('vpc') ?? this.ctx.log.child({ mod: 'vpc' }));
    const dp = this.ctx.registry.find(DATAPLANE);
    const overlay = overlayTables(dp);
    const tables = overlay?.tables;
    if (!overlay) log.info(dp ? 'the dataplane has no vxlan tables: VPCs are not realized' : 'no dataplane: VPCs are not realized');
    else if (!overlay.classify) log.info('the dataplane has no VPC classify tables: peerings are not realized');
    const realizer = new VpcRealizer(tables);
    const directory = new VpcDirectoryImpl((e) => log.error({ err: e }, 'a VPC directory listener failed'));
    directory.onChange((vpcs) => log.info({ vpcs: vpcs.map((v) => `${v.name}:vrf${v.vrf}`) }, 'VPCs changed'));
    this.ctx.registry.provide(VPCS, directory);
    this.ctx.registry.provide(VPC_STATUS, new VpcStatusView(realizer, () => tables));
    const hub = this.ctx.registry.find(CONFIG);
    // Like the dataplane's own consumer: an agent without (overlay) tables realizes nothing of the overlay, and
    // its directory stays empty.
    if (!hub || !overlay) return;
    // NAT exposes are routed by their `as` where the dataplane translates them (features/nat).
    const natModes = realizedModes(natCapabilities(dp));
    const consumer = new VpcConfigConsumer(realizer, directory, { ...vpcLimits(this.ctx.boot.sections.dataplane), natModes }, { dataplane: true, classify: overlay.classify });
    directory.planner = (doc) => consumer.assignmentFor(doc);
    hub.addConsumer(consumer);
    const cur = hub.applied();
    if (cur) await consumer.apply(cur);
  }

  async stop(): Promise<void> {
    // The dataplane goes with the underlay component; nothing of the overlay outlives it.
  }
}

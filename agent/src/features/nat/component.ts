// The NAT component: registers the NAT consumer with the config hub when the dataplane has NAT tables (the nat
// module's static mappings, napt's pools: each realizes its modes) and provides NAT, the realized view for the
// API and /metrics. It needs no boot section (napt's session table size is the dataplane's: eal.tables).
import type { Component, DaemonContext } from '../../core/daemon.ts';
import { CONFIG, DATAPLANE, LOGS, NAT, VPCS } from '../../core/keys.ts';
import { NatConfigConsumer } from './consumer.ts';
import { natCapabilities, realizedModes, type NatTablesApi } from './dp-tables.ts';
import { NatRealizer } from './realizer.ts';
import { NatStatusView } from './status.ts';

export class NatComponent implements Component {
  readonly name = 'nat';

  constructor(private readonly ctx: DaemonContext) {}

  async start(): Promise<void> {
    const log = this.ctx.registry.find(LOGS)?.for('nat') ?? this.ctx.log.child({ mod: 'nat' });
    const dp = this.ctx.registry.find(DATAPLANE) as (NatTablesApi & object) | undefined;
    const can = natCapabilities(dp);
    const modes = realizedModes(can);
    const vpcs = this.ctx.registry.find(VPCS);
    const realizer = new NatRealizer(modes.size > 0 ? dp : undefined);
    this.ctx.registry.provide(NAT, new NatStatusView(realizer, can, () => dp, (vpc) => vpcs?.byName(vpc)?.vrf));
    log.info({ static: can.static, stateful: can.stateful }, modes.size > 0 ? 'NAT tables found' : 'the dataplane has no NAT tables: NAT is not realized');
    const hub = this.ctx.registry.find(CONFIG);
    if (!hub || !vpcs || modes.size === 0) return;
    const consumer = new NatConfigConsumer(realizer, (doc) => vpcs.idsFor(doc), modes);
    hub.addConsumer(consumer);
    const cur = hub.applied();
    if (cur) await consumer.apply(cur);
  }

  async stop(): Promise<void> {
    // The tables go with the dataplane (underlay component); sessions with them.
  }
}

// The dataplane as a ConfigConsumer: realizes the document's ports (with addresses and MTU) and its underlay
// static routes (unicast, blackhole, reject) when no FRR feeds the dataplane (else zebra arbitrates them). Validation covers what only the dataplane can judge (device
// strings, boot-file ownership, port and table capacity); a device that turns out not to exist is refused at
// apply time, and the config hub then re-applies the previous generation, which the realizer restores exactly.
import { ConsumerRefusal, type ConfigConsumer, type FixedPort } from '../../config/consumer.ts';
import type { Feature } from '../../config/features.ts';
import type { DesiredState, Generation } from '../../config/model.ts';
import type { Problem } from '../../config/problem.ts';
import { desiredTables, type DesiredLimits } from './desired.ts';
import { RealizeError, type Realizer } from './realizer.ts';
import type { DataplaneSection } from './section.ts';

export class DataplaneConfigConsumer implements ConfigConsumer {
  readonly name = 'dataplane';
  readonly realizes: readonly Feature[] = ['ports', 'staticRoutes'];
  readonly fixedPorts: readonly FixedPort[];

  constructor(
    private readonly realizer: Realizer,
    private readonly boot: Pick<DataplaneSection, 'ports' | 'staticRoutes' | 'netns'>,
    private readonly limits: DesiredLimits,
    /**
     * The document's static routes reach the dataplane through zebra (FRR's staticd, the plugin): they are still
     * checked here, but only zebra's choice among them and BGP's routes is written, by the routing FIB.
     */
    private readonly staticsViaZebra = false,
  ) {
    this.fixedPorts = boot.ports.map((p) => ({ name: p.name, tapName: p.tapName, addresses: [...p.hostAddresses] }));
  }

  private tables(doc: DesiredState): ReturnType<typeof desiredTables> {
    return desiredTables(doc, this.boot, { limits: this.limits, ...(this.boot.netns ? { netns: this.boot.netns } : {}) });
  }

  validate(next: DesiredState): Problem[] {
    return this.tables(next).problems;
  }

  async apply(next: Generation): Promise<void> {
    const { tables, problems } = this.tables(next.spec);
    // validate() ran on this document already; this only guards a re-apply of a stored generation.
    if (problems.length > 0) throw new ConsumerRefusal(problems[0]!.path, problems[0]!.detail);
    if (this.staticsViaZebra) for (const p of tables.statics) tables.routes.delete(p);
    try {
      await this.realizer.apply(tables);
    } catch (e) {
      if (!(e instanceof RealizeError)) throw e;
      throw new ConsumerRefusal(pathOf(next.spec, e.ref), e.message);
    }
  }
}

/** JSON pointer of the document field a realize error concerns. */
function pathOf(doc: DesiredState, ref: RealizeError['ref']): string {
  if ('port' in ref) {
    const i = doc.gateway.ports.findIndex((p) => p.name === ref.port);
    // The port as a whole: a probe failure, the port limit or a tap problem are not one field's fault.
    return i >= 0 ? `/gateway/ports/${i}` : '/gateway/ports';
  }
  const i = doc.staticRoutes.findIndex((r) => r.prefix === ref.route || r.prefix.replace(/\/.*/, '') === ref.route.replace(/\/.*/, ''));
  if (i >= 0) return `/staticRoutes/${i}`;
  const p = doc.gateway.ports.findIndex((x) => x.addresses.some((a) => a.split('/')[0] === ref.route.split('/')[0]));
  return p >= 0 ? `/gateway/ports/${p}/addresses` : '/staticRoutes';
}

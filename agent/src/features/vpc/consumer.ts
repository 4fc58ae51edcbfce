// The overlay as a ConfigConsumer: realizes the document's VTEP, VPCs and peerings (without NAT and rate limits)
// in the dataplane, and keeps the VPC directory in step with what is written. Validation adds what only the
// dataplane can judge (VRF and peering ids left); a table write the dataplane refuses is reported at the
// document field it concerns, and the config hub then re-applies the previous generation, which the realizer
// restores exactly.
import { ConsumerRefusal, type ConfigConsumer } from '../../config/consumer.ts';
import type { Feature } from '../../config/features.ts';
import type { DesiredState, Generation } from '../../config/model.ts';
import type { Problem } from '../../config/problem.ts';
import { desiredVpcTables, type Assignment, type VpcLimits } from './desired.ts';
import type { VpcDirectoryImpl } from './directory.ts';
import { VpcRealizeError, type RealizeRef, type VpcRealizer } from './realizer.ts';

export class VpcConfigConsumer implements ConfigConsumer {
  readonly name = 'vpc';
  readonly realizes: readonly Feature[];

  constructor(
    private readonly realizer: VpcRealizer,
    private readonly directory: VpcDirectoryImpl,
    private readonly limits: VpcLimits,
    /**
     * What the dataplane can realize: without one the ids are kept for the directory but nothing forwards (the
     * features stay refused); without the vpc module's classify tables, VPCs but no peerings.
     */
    private readonly can: { dataplane: boolean; classify: boolean },
  ) {
    this.realizes = can.dataplane ? ['vtep', 'vpcs', ...(can.classify ? (['peerings'] as const) : [])] : [];
  }

  private tables(doc: DesiredState): ReturnType<typeof desiredVpcTables> {
    const d = desiredVpcTables(doc, this.realizer.assignment(), this.limits);
    // Peerings the config hub accepted unrealized (config.acceptUnrealized, labs) are never written half.
    if (!this.can.classify) {
      d.tables.peerings.clear();
      d.tables.peeringRoutes.clear();
      d.tables.peeringSources.clear();
    }
    return d;
  }

  /** The VRF and peering ids this consumer gives `doc` (the VPC directory's idsFor). */
  assignmentFor(doc: DesiredState): Assignment {
    return desiredVpcTables(doc, this.realizer.assignment(), this.limits).assignment;
  }

  validate(next: DesiredState): Problem[] {
    return this.tables(next).problems;
  }

  async apply(next: Generation): Promise<void> {
    const { tables, problems } = this.tables(next.spec);
    // validate() ran on this document already; this only guards a re-apply of a stored generation.
    if (problems.length > 0) throw new ConsumerRefusal(problems[0]!.path, problems[0]!.detail);
    try {
      await this.realizer.apply(tables);
    } catch (e) {
      if (!(e instanceof VpcRealizeError)) throw e;
      throw new ConsumerRefusal(pathOf(next.spec, e.ref), `${e.message} (${e.code})`);
    } finally {
      // Also after a failure: the directory names exactly the VRFs that exist.
      this.directory.update(this.realizer.realized().vpcs);
    }
  }
}

/** JSON pointer of the document field a realize error concerns. */
export function pathOf(doc: DesiredState, ref: RealizeRef): string {
  if ('vtep' in ref) return '/gateway/vtep';
  if ('vpc' in ref) {
    const i = doc.vpcs.findIndex((v) => v.name === ref.vpc);
    return i >= 0 ? `/vpcs/${i}` : '/vpcs';
  }
  const i = doc.peerings.findIndex((p) => p.name === ref.peering);
  return i >= 0 ? `/peerings/${i}` : '/peerings';
}

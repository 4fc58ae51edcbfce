// NAT as a ConfigConsumer: realizes the document's static, masquerade and portForward exposes (whichever the
// dataplane translates; nat64 never) after the vpc consumer, with the VRF and peering ids the vpc feature gives
// the same document. Validation adds only what the dataplane's id spaces can judge (the document rules are in
// config/validate-nat.ts); a table write the dataplane refuses is reported at the expose it concerns, and the
// config hub then re-applies the previous generation, which the realizer restores exactly.
import { ConsumerRefusal, type ConfigConsumer } from '../../config/consumer.ts';
import type { Feature } from '../../config/features.ts';
import type { DesiredState, Generation } from '../../config/model.ts';
import type { Problem } from '../../config/problem.ts';
import { desiredNat, type NatDesired, type NatIds } from './desired.ts';
import type { NatMode } from './dp-tables.ts';
import { NatRealizeError, type NatRealizer } from './realizer.ts';

export class NatConfigConsumer implements ConfigConsumer {
  readonly name = 'nat';
  readonly realizes: readonly Feature[];
  /** Expose key → pool id of the realized pools: the next generation keeps them. */
  private pools = new Map<string, number>();

  constructor(
    private readonly realizer: NatRealizer,
    private readonly ids: (doc: DesiredState) => NatIds,
    private readonly modes: ReadonlySet<NatMode>,
  ) {
    this.realizes = [...modes].map((m): Feature => `nat.${m}`);
  }

  private desired(doc: DesiredState): NatDesired {
    return desiredNat(doc, this.ids(doc), this.pools, this.modes);
  }

  validate(next: DesiredState): Problem[] {
    return this.desired(next).problems;
  }

  async apply(next: Generation): Promise<void> {
    const d = this.desired(next.spec);
    // validate() ran on this document already; this only guards a re-apply of a stored generation.
    if (d.problems.length > 0) throw new ConsumerRefusal(d.problems[0]!.path, d.problems[0]!.detail);
    try {
      await this.realizer.apply(d.tables, { pools: d.poolOrigin, statics: d.staticOrigin });
    } catch (e) {
      if (!(e instanceof NatRealizeError)) throw e;
      const r = this.realizer.realized();
      const origin = e.table === 'natStatic' ? (d.staticOrigin.get(e.key) ?? r.staticOrigin.get(e.key)) : (d.poolOrigin.get(Number(e.key.split(' ')[0])) ?? r.poolOrigin.get(Number(e.key.split(' ')[0])));
      throw new ConsumerRefusal(origin?.path ?? '/peerings', `${e.message} (${e.code})`);
    } finally {
      // Also after a failure: the pools that are written keep their ids.
      const written = this.realizer.realized().tables.natPools;
      const kept = new Map([...this.pools].filter(([, id]) => written.has(id)));
      for (const [k, id] of d.pools) if (written.has(id)) kept.set(k, id);
      this.pools = kept;
    }
  }
}

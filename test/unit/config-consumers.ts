// Consumers for unit tests. FakePortsConsumer realizes gateway ports on a FakeDataplane the way a dataplane
// component would (add/remove to match the document), so "the dataplane refuses" is the fake's own refusal
// (its port limit), not a scripted one. FakeRecordingConsumer records what it was told to realize.
import { ConsumerRefusal, type ConfigConsumer } from '../../agent/src/config/consumer.ts';
import type { Feature } from '../../agent/src/config/features.ts';
import type { DesiredState, Generation } from '../../agent/src/config/model.ts';
import type { Problem } from '../../agent/src/config/problem.ts';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';

export class FakePortsConsumer implements ConfigConsumer {
  readonly name = 'fake-ports';
  readonly realizes: Feature[] = ['ports'];
  constructor(readonly dp: FakeDataplane) {}

  async apply(next: Generation): Promise<void> {
    const want = new Map(next.spec.gateway.ports.map((p, i) => [p.name, { p, i }]));
    for (const have of this.dp.ports()) {
      const w = want.get(have.name);
      if (!w || w.p.device !== have.device || w.p.mtu !== have.mtu) this.dp.removePort(have.id);
    }
    const present = new Set(this.dp.ports().map((p) => p.name));
    for (const [name, { p, i }] of want) {
      if (present.has(name)) continue;
      try {
        this.dp.addPort({ name, device: p.device, mtu: p.mtu, vrf: 0 });
      } catch (e) {
        throw new ConsumerRefusal(`/gateway/ports/${i}`, (e as Error).message);
      }
    }
  }
}

export class FakeRecordingConsumer implements ConfigConsumer {
  realized: DesiredState | null = null;
  generations: number[] = [];
  constructor(
    readonly name: string,
    readonly realizes: Feature[] = [],
    private readonly check?: (d: DesiredState) => Problem[],
  ) {}
  validate(next: DesiredState): Problem[] {
    return this.check?.(next) ?? [];
  }
  async apply(next: Generation): Promise<void> {
    this.realized = structuredClone(next.spec);
    this.generations.push(next.generation);
  }
}

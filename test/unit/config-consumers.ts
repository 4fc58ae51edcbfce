// Consumers for unit tests: the real dataplane consumer over fakes (dataplaneConsumer), and
// FakeRecordingConsumer, which records what it was told to realize.
import type { ConfigConsumer } from '../../agent/src/config/consumer.ts';
import type { Feature } from '../../agent/src/config/features.ts';
import type { DesiredState, Generation } from '../../agent/src/config/model.ts';
import type { Problem } from '../../agent/src/config/problem.ts';
import type { PortInfo } from '../../agent/src/dataplane/api.ts';
import { DataplaneConfigConsumer } from '../../agent/src/features/underlay/config-consumer.ts';
import type { DesiredLimits, PortWant } from '../../agent/src/features/underlay/desired.ts';
import type { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { IdRange, Realizer, type PortOps } from '../../agent/src/features/underlay/realizer.ts';
import type { DataplaneSection } from '../../agent/src/features/underlay/section.ts';

/** Port ops over a FakeDataplane that record what the kernel would see; a device naming "missing" does not
 *  exist (the way a PMD fails to probe an absent interface). */
export class FakePortOps implements PortOps {
  readonly taps = new Map<string, string[]>();
  learnerTaps: string[] = [];
  constructor(private readonly dp: FakeDataplane) {}
  async add(p: PortWant): Promise<PortInfo> {
    if (p.device.includes('missing')) throw new Error(`no such device ${p.device}`);
    const info = this.dp.addPort({ name: p.name, device: p.device, mtu: p.mtu, vrf: 0, tapName: p.name });
    this.taps.set(p.name, [...p.addresses]);
    return info;
  }
  async remove(p: PortWant, info: PortInfo): Promise<void> {
    this.dp.removePort(info.id);
    this.taps.delete(p.name);
  }
  async setTapAddresses(p: PortWant, _info: PortInfo, del: string[], add: string[]): Promise<void> {
    this.taps.set(p.name, [...this.taps.get(p.name)!.filter((a) => !del.includes(a)), ...add]);
  }
  portsChanged(ports: { want: PortWant; info: PortInfo }[]): void {
    this.learnerTaps = ports.map((p) => p.info.tapName);
  }
}

export const ROOMY: DesiredLimits = { maxRoutes4: 100, maxRoutes6: 100, ids: 100, ports: 8 };

/** The real dataplane consumer over a FakeDataplane and fake port ops: "the dataplane refuses" is then the
 *  fake's own refusal (its port limit, a missing device), not a scripted one. */
export function dataplaneConsumer(
  dp: FakeDataplane,
  boot: Pick<DataplaneSection, 'ports' | 'staticRoutes'> = { ports: [], staticRoutes: [] },
  limits: DesiredLimits = ROOMY,
): { consumer: DataplaneConfigConsumer; ops: FakePortOps } {
  const ops = new FakePortOps(dp);
  const bootPorts = new Map(dp.ports().map((p) => [p.name, p]));
  const realizer = new Realizer(dp, ops, { nexthops: new IdRange(61441, 65530), groups: new IdRange(61441, 65530) }, bootPorts);
  return { consumer: new DataplaneConfigConsumer(realizer, boot, limits), ops };
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

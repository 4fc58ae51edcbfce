// Fakes for the NAT unit tests. FakeNatDataplane: FakeDataplane (the nat module's natStatic, napt's tables,
// sessions and counters, the overlay tables) with a log of the NAT writes and a way to make the next write of one
// table refuse an item. natSetup(): the real vpc and NAT consumers, realizers and status views
// over one such fake, applied together through the config hub's atomic apply.
import { applyAtomically, type ApplyResult } from '../../agent/src/config/consumer.ts';
import type { DesiredState, Generation } from '../../agent/src/config/model.ts';
import type { TableErrorCode } from '../../agent/src/dataplane/api.ts';
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { NatConfigConsumer } from '../../agent/src/features/nat/consumer.ts';
import { natCapabilities, realizedModes } from '../../agent/src/features/nat/dp-tables.ts';
import { NatRealizer } from '../../agent/src/features/nat/realizer.ts';
import { NatStatusView } from '../../agent/src/features/nat/status.ts';
import { VpcConfigConsumer } from '../../agent/src/features/vpc/consumer.ts';
import { VpcDirectoryImpl } from '../../agent/src/features/vpc/directory.ts';
import { VpcRealizer } from '../../agent/src/features/vpc/realizer.ts';
import { VpcStatusView } from '../../agent/src/features/vpc/status.ts';
import { validDoc } from './config-fixtures.ts';

export class FakeNatDataplane extends FakeDataplane {
  /** Every NAT table write, in order: "setNatPools 2" (item count). */
  readonly natCalls: string[] = [];
  /** Set to refuse the item at `index` of the next call of `method` with `code`. */
  failNext: { method: string; index: number; code: TableErrorCode } | undefined;

  override setNatStatic(items: Parameters<FakeDataplane['setNatStatic']>[0]): TableErrorCode[] {
    return this.inject('setNatStatic', items, (xs) => super.setNatStatic(xs));
  }

  override delNatStatic(items: Parameters<FakeDataplane['delNatStatic']>[0]): TableErrorCode[] {
    return this.inject('delNatStatic', items, (xs) => super.delNatStatic(xs));
  }

  // Writes go through one injection point (FakeDataplane checks them; a refused item is not written).
  override setNatPools(items: Parameters<FakeDataplane['setNatPools']>[0]): TableErrorCode[] {
    return this.inject('setNatPools', items, (xs) => super.setNatPools(xs));
  }

  override setNatPoolPrefixes(items: Parameters<FakeDataplane['setNatPoolPrefixes']>[0]): TableErrorCode[] {
    return this.inject('setNatPoolPrefixes', items, (xs) => super.setNatPoolPrefixes(xs));
  }

  override setNatForwards(items: Parameters<FakeDataplane['setNatForwards']>[0]): TableErrorCode[] {
    return this.inject('setNatForwards', items, (xs) => super.setNatForwards(xs));
  }

  private inject<T>(method: string, items: T[], real: (xs: T[]) => TableErrorCode[]): TableErrorCode[] {
    this.natCalls.push(`${method} ${items.length}`);
    const fail = this.failNext?.method === method ? this.failNext : undefined;
    if (!fail) return real(items);
    this.failNext = undefined;
    const res = real(items.filter((_, i) => i !== fail.index));
    res.splice(fail.index, 0, fail.code);
    return res;
  }
}

/** blue (10.10.0.0/24, 2001:db8:10::/64) and red (10.20.0.0/24, 2001:db8:20::/64), one peering, one expose of
 *  each NAT mode: blue masquerades its IPv4 and IPv6 hosts and publishes a service (stateful NAT on one side
 *  only), red maps an IPv4 prefix statically and its IPv6 subnet by NPTv6. */
export function natDoc(): DesiredState {
  const d = validDoc();
  d.gateway.ports = [];
  d.gateway.neighbors = [];
  d.gateway.bfdProfiles = [];
  d.vpcs[0]!.subnets.push({ name: 'v6', cidr: '2001:db8:10::/64' });
  d.vpcs[1]!.subnets.push({ name: 'v6', cidr: '2001:db8:20::/64' });
  d.peerings = [
    {
      name: 'blue-red',
      sides: [
        {
          vpc: 'blue',
          expose: [
            { ips: ['10.10.0.0/25'], as: ['203.0.113.1/32'], nat: { mode: 'masquerade', filtering: 'endpoint-independent' } },
            { ips: ['2001:db8:10::/64'], as: ['2001:db8:f10::1/128'], nat: { mode: 'masquerade', idleTimeoutSeconds: 600 } },
            { ips: ['10.10.0.200/32'], as: ['198.51.100.80/32'], nat: { mode: 'portForward', ports: [{ proto: 'tcp', port: 8080, as: 80 }, { proto: 'udp', port: 5353, as: 53 }] } },
          ],
        },
        {
          vpc: 'red',
          expose: [
            { ips: ['10.20.0.128/25'], as: ['192.168.20.128/25'], nat: { mode: 'static' } },
            { ips: ['2001:db8:20::/64'], as: ['2001:db8:f20::/64'], nat: { mode: 'static' } },
          ],
        },
      ],
    },
  ];
  d.staticRoutes = [];
  return d;
}

export function fakeNatDataplane(): FakeNatDataplane {
  const dp = new FakeNatDataplane();
  dp.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
  return dp;
}

/** The real vpc + NAT consumers over one FakeNatDataplane, applied like the config hub does. */
export function natSetup(dp = fakeNatDataplane()) {
  const can = natCapabilities(dp);
  const modes = realizedModes(can);
  const vpcRealizer = new VpcRealizer(dp);
  const directory = new VpcDirectoryImpl();
  const vpc = new VpcConfigConsumer(vpcRealizer, directory, { maxVrfs: 16, reservedVrfs: new Set(), maxPeerings: 65535, natModes: modes }, { dataplane: true, classify: true });
  directory.planner = (doc) => vpc.assignmentFor(doc);
  const realizer = new NatRealizer(dp);
  const nat = new NatConfigConsumer(realizer, (doc) => directory.idsFor(doc), modes);
  const status = new NatStatusView(realizer, can, () => dp, (name) => directory.byName(name)?.vrf);
  let prev: Generation | null = null;
  let gen = 0;
  return {
    dp,
    directory,
    vpc,
    nat,
    realizer,
    status,
    vpcStatus: new VpcStatusView(vpcRealizer, () => dp),
    async apply(spec: DesiredState): Promise<ApplyResult> {
      const next = { generation: ++gen, spec };
      const r = await applyAtomically([vpc, nat], next, prev);
      if (r.ok) prev = next;
      return r;
    },
  };
}

// Shared by the routing/CPI unit tests: a FakeDataplane with two ports, and zebra's ifindexes 7/8 for them.
import { FakeDataplane } from '../../agent/src/dataplane/fake.ts';
import { StaticPortResolver } from '../../agent/src/features/routing/ports.ts';

export function dp(limits = {}): FakeDataplane {
  const d = new FakeDataplane(limits);
  d.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
  d.addPort({ name: 'eth1', device: 'x', mtu: 1500, vrf: 0 }); // port 0
  d.addPort({ name: 'eth2', device: 'y', mtu: 1500, vrf: 0 }); // port 2
  return d;
}

export const ports = new StaticPortResolver(new Map([[7, 0], [8, 2]]));

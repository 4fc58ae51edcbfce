// Agent-side cost of route ops from the plugin, without zebra or DPDK: BATCH messages of 500 route ops
// (half IPv4 /32, half IPv6 /64, one nexthop each, as the bird bench sends) through CpiSession.handle into
// the FIB over a dataplane whose table calls answer at once. Reports µs per route op as a ratio to a
// baseline measured in the same run: msgpack unpack of the same messages alone (the floor no agent change
// can remove).
//   npx tsx bench/plugin-throughput-agent.ts [--json] [--routes 200000]
import { unpack } from 'msgpackr';
import { CpiSession } from '../agent/src/features/routing/session.ts';
import { FakeDataplane } from '../agent/src/dataplane/fake.ts';
import { EvpnModel } from '../agent/src/features/routing/evpn.ts';
import { Fib } from '../agent/src/features/routing/fib.ts';
import { StaticPortResolver } from '../agent/src/features/routing/ports.ts';
import { WIRE_VERSION } from '../wire/gen/wire.gen.ts';
import { BATCH, benchPeers, hello, routeMessages } from './wire-messages.ts';

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const N = arg('--routes', 200_000);

/** Table writes are the dataplane's cost, measured by its own benches: answer ok without storing. */
class NullTablesDataplane extends FakeDataplane {
  override applyRoutes(ops: Parameters<FakeDataplane['applyRoutes']>[0]): ReturnType<FakeDataplane['applyRoutes']> {
    return ops.map(() => 'ok');
  }
}

function run(): { agentUs: number; unpackUs: number } {
  const d = new NullTablesDataplane();
  d.init({ workerCores: [1], controlCore: 0, hugepages: 'off', memoryMb: 64 });
  d.addPort({ name: 'eth1', device: 'x', mtu: 1500, vrf: 0 });
  const s = new CpiSession('ipc:///x', new Fib(d, new StaticPortResolver(new Map([[7, 0]]))), new EvpnModel({ vniOf: () => undefined }), { info: () => undefined, warn: () => undefined }, benchPeers);
  s.handle('p', hello(WIRE_VERSION));
  const msgs = routeMessages(N, 1);
  let t = performance.now();
  for (const m of msgs) unpack(m);
  const unpackUs = ((performance.now() - t) * 1000) / N;
  t = performance.now();
  for (const m of msgs) s.handle('p', m);
  const agentUs = ((performance.now() - t) * 1000) / N;
  if (s.snapshot().rib.routes !== N) throw new Error(`FIB holds ${s.snapshot().rib.routes} of ${N} routes`);
  return { agentUs, unpackUs };
}

run(); // warm-up: JIT
const runs = [run(), run(), run()].sort((a, b) => a.agentUs - b.agentUs);
const mid = runs[1]!;
const res = { routes: N, batch: BATCH, agentUsPerRoute: mid.agentUs, unpackUsPerRoute: mid.unpackUs, ratioToUnpack: mid.agentUs / mid.unpackUs };
if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(res) + '\n');
else console.log(res);

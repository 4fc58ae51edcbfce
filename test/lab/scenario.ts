// Mocha hooks shared by the lab scenarios: a fresh lab per test file (whatever a crashed run or an operator's
// `npm run lab` left is removed first), removed afterwards unless GWLAB_KEEP is set (to look around).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayNodes, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { down, up } from '../../agent/src/lab/runner.ts';
import { loadTopology, type Topology } from '../../agent/src/lab/topology.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Scenario {
  topo: Topology;
  netns(node: string): string;
  /** The (first) gateway node; valid once the `before` hook ran. */
  gw(): GatewayNode;
}

export function labScenario(file: string): Scenario {
  const topo = loadTopology(`${REPO}/containerlab/${file}`);
  let gw: GatewayNode | undefined;
  before(async function () {
    this.timeout(180_000);
    await down(topo);
    await up(topo);
    gw = gatewayNodes(topo)[0];
  });
  after(async function () {
    this.timeout(60_000);
    if (!process.env.GWLAB_KEEP) await down(topo);
  });
  return {
    topo,
    netns: (node) => topo.nodes.find((n) => n.name === node)!.netns,
    gw: () => {
      if (!gw) throw new Error('lab not up');
      return gw;
    },
  };
}

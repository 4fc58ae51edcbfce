// Reads a `*.clab.yml` file into a validated Topology: defaults/kinds merged into each node, binds resolved
// relative to the file, links checked against the nodes. The runner never sees raw YAML.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { LabError } from './errors.ts';
import { clabSubsetSchema } from './schema.ts';

export interface Bind {
  /** Absolute host path. */
  source: string;
  /** Absolute path inside the node. */
  target: string;
  readOnly: boolean;
}

export interface LabNode {
  name: string;
  /** Network namespace, named as containerlab names the container: clab-<lab>-<node>. */
  netns: string;
  image?: string;
  binds: Bind[];
  exec: string[];
  env: Record<string, string>;
  cmd?: string;
  /** FRR router: some bind targets /etc/frr. The runner starts zebra/bgpd/bfdd/staticd for it. */
  frr?: { config: string; daemons: string[] };
}

export interface Endpoint {
  node: string;
  iface: string;
}

export interface LabLink {
  a: Endpoint;
  b: Endpoint;
  mtu?: number;
}

export interface Topology {
  name: string;
  file: string;
  nodes: LabNode[];
  links: LabLink[];
}

interface RawNode {
  kind?: string;
  image?: string;
  binds?: string[];
  exec?: string[];
  env?: Record<string, string | number | boolean>;
  cmd?: string;
}
interface RawTopo {
  name: string;
  topology: {
    defaults?: RawNode;
    kinds?: Record<string, RawNode>;
    nodes: Record<string, RawNode>;
    links?: { endpoints: [string, string]; mtu?: number }[];
  };
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile<RawTopo>(clabSubsetSchema);

export function netnsName(lab: string, node: string): string {
  return `clab-${lab}-${node}`;
}

function parseBind(spec: string, base: string, where: string): Bind {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    throw new LabError('LAB_TOPOLOGY_INVALID', `${where}: bind "${spec}" is not source:target[:ro|rw]`);
  }
  const mode = parts[2] ?? 'rw';
  if (mode !== 'ro' && mode !== 'rw') throw new LabError('LAB_TOPOLOGY_INVALID', `${where}: bind mode "${mode}" is not ro or rw`);
  const target = parts[1];
  if (!isAbsolute(target)) throw new LabError('LAB_TOPOLOGY_INVALID', `${where}: bind target "${target}" must be absolute`);
  // Without a container filesystem only /etc can be overlaid per namespace (ip netns exec binds /etc/netns/<ns>/*).
  if (!target.startsWith('/etc/') || target.split('/').length < 3) {
    throw new LabError('LAB_UNSUPPORTED', `${where}: bind target "${target}" is outside /etc; the netns runner maps only /etc/<entry>/...`);
  }
  return { source: resolve(base, parts[0]), target, readOnly: mode === 'ro' };
}

function frrOf(binds: Bind[], where: string): LabNode['frr'] {
  const inFrr = binds.filter((b) => b.target === '/etc/frr' || b.target.startsWith('/etc/frr/'));
  if (inFrr.length === 0) return undefined;
  const hostPath = (p: string): string | undefined => {
    for (const b of inFrr) {
      if (b.target === p) return b.source;
      if (p.startsWith(b.target + '/')) return b.source + p.slice(b.target.length);
    }
    return undefined;
  };
  const config = hostPath('/etc/frr/frr.conf');
  if (!config) throw new LabError('LAB_TOPOLOGY_INVALID', `${where}: FRR node binds /etc/frr but no /etc/frr/frr.conf`);
  const daemonsFile = hostPath('/etc/frr/daemons');
  // Same semantics as FRR's daemons file: "<daemon>=yes". zebra always runs.
  const daemons = ['zebra'];
  if (daemonsFile) {
    let text: string;
    try {
      text = readFileSync(daemonsFile, 'utf8');
    } catch (e) {
      throw new LabError('LAB_TOPOLOGY_UNREADABLE', `${where}: ${daemonsFile}: ${(e as Error).message}`);
    }
    for (const m of text.matchAll(/^\s*(bgpd|bfdd|staticd)\s*=\s*yes\s*$/gm)) daemons.push(m[1]!);
  } else {
    daemons.push('bgpd', 'bfdd', 'staticd');
  }
  return { config, daemons };
}

export function parseTopology(text: string, file: string, nameOverride?: string): Topology {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new LabError('LAB_TOPOLOGY_INVALID', `${file}: not valid YAML: ${(e as Error).message}`);
  }
  if (!validate(doc)) {
    const msgs = (validate.errors ?? []).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty: string }).additionalProperty)}"` : '';
      return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
    });
    throw new LabError('LAB_TOPOLOGY_INVALID', `${file}: ${msgs.join('; ')}`);
  }
  const lab = nameOverride ?? doc.name;
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(lab)) throw new LabError('LAB_TOPOLOGY_INVALID', `lab name "${lab}" must match [A-Za-z0-9_-]{1,24}`);
  const base = dirname(resolve(file));
  const t = doc.topology;
  const nodes: LabNode[] = [];
  for (const [name, raw] of Object.entries(t.nodes)) {
    const kind = raw.kind ?? t.defaults?.kind ?? 'linux';
    const merged: RawNode = { ...t.defaults, ...t.kinds?.[kind], ...raw };
    const where = `${file}: node ${name}`;
    const binds = (merged.binds ?? []).map((b) => parseBind(b, base, where));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...t.defaults?.env, ...t.kinds?.[kind]?.env, ...raw.env })) env[k] = String(v);
    nodes.push({
      name,
      netns: netnsName(lab, name),
      image: merged.image,
      binds,
      exec: merged.exec ?? [],
      env,
      cmd: merged.cmd,
      frr: frrOf(binds, where),
    });
  }
  const known = new Set(nodes.map((n) => n.name));
  const used = new Set<string>();
  const links: LabLink[] = (t.links ?? []).map((l, i) => {
    const [a, b] = l.endpoints.map((s) => {
      const [node, iface] = s.split(':') as [string, string];
      if (!known.has(node)) throw new LabError('LAB_TOPOLOGY_INVALID', `${file}: links[${i}]: unknown node "${node}"`);
      if (iface === 'eth0') throw new LabError('LAB_TOPOLOGY_INVALID', `${file}: links[${i}]: eth0 is the management interface; data links start at eth1`);
      if (used.has(s)) throw new LabError('LAB_TOPOLOGY_INVALID', `${file}: links[${i}]: endpoint ${s} used twice`);
      used.add(s);
      return { node, iface };
    }) as [Endpoint, Endpoint];
    return { a, b, mtu: l.mtu };
  });
  return { name: lab, file: resolve(file), nodes, links };
}

export function loadTopology(file: string, nameOverride?: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LabError('LAB_TOPOLOGY_UNREADABLE', `${file}: ${(e as Error).message}`);
  }
  return parseTopology(text, file, nameOverride);
}

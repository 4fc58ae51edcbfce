// The netns runner reads containerlab files: the documented subset is accepted, everything else is refused
// with a stable code that names the offending key, so a lab never runs differently here than under Docker.
import { expect } from 'chai';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../../agent/src/lab/errors.ts';
import { loadTopology, parseTopology } from '../../agent/src/lab/topology.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function refusal(text: string): LabError {
  try {
    parseTopology(text, '/tmp/x.clab.yml');
  } catch (e) {
    if (e instanceof LabError) return e;
    throw e;
  }
  throw new Error('accepted');
}

const base = (nodes: string, links = ''): string => `name: t1\ntopology:\n  nodes:\n${nodes}\n${links ? `  links:\n${links}\n` : ''}`;

describe('clab topology subset', () => {
  it('reads the underlay lab: netns names, FRR routers, gateway cmd, binds relative to the file', () => {
    const t = loadTopology(`${REPO}/containerlab/underlay.clab.yml`);
    expect(t.name).to.equal('underlay');
    expect(t.nodes.map((n) => n.netns)).to.include.members(['clab-underlay-leaf1', 'clab-underlay-gw', 'clab-underlay-host2']);
    const leaf1 = t.nodes.find((n) => n.name === 'leaf1')!;
    expect(leaf1.frr?.config).to.equal(`${REPO}/containerlab/underlay/leaf1/frr.conf`);
    expect(leaf1.frr?.daemons).to.deep.equal(['zebra', 'bgpd', 'bfdd']);
    expect(t.nodes.find((n) => n.name === 'gw')!.cmd).to.match(/^vpc-gatewayd --config /);
    expect(t.nodes.find((n) => n.name === 'host1')!.frr).to.equal(undefined);
    expect(t.links).to.have.length(4);
    expect(t.links[0]).to.deep.include({ a: { node: 'leaf1', iface: 'eth1' }, b: { node: 'gw', iface: 'dp1' } });
  });

  it('a name override renames every namespace (tests next to a running lab)', () => {
    const t = loadTopology(`${REPO}/containerlab/underlay.clab.yml`, 'gwlabx');
    expect(t.nodes.every((n) => n.netns.startsWith('clab-gwlabx-'))).to.equal(true);
  });

  it('merges kinds and defaults into nodes, node values winning', () => {
    const t = parseTopology(
      'name: t2\ntopology:\n  defaults:\n    env: { A: "1", B: "1" }\n  kinds:\n    linux:\n      env: { B: "2" }\n      exec: ["true"]\n  nodes:\n    n1:\n      kind: linux\n      env: { C: 3 }\n',
      '/tmp/t2.clab.yml',
    );
    expect(t.nodes[0]!.env).to.deep.equal({ A: '1', B: '2', C: '3' });
    expect(t.nodes[0]!.exec).to.deep.equal(['true']);
  });

  it('refuses unknown keys, naming them', () => {
    const e = refusal(base('    n1:\n      kind: linux\n      startup-config: x.cfg'));
    expect(e.code).to.equal('LAB_TOPOLOGY_INVALID');
    expect(e.message).to.contain('startup-config');
    expect(refusal('name: t\nmgmt: {}\ntopology:\n  nodes:\n    n1: {}\n').message).to.contain('mgmt');
  });

  it('refuses kinds it cannot realize (bridge, srl)', () => {
    expect(refusal(base('    br1:\n      kind: bridge')).code).to.equal('LAB_TOPOLOGY_INVALID');
    expect(refusal(base('    r1:\n      kind: nokia_srlinux')).code).to.equal('LAB_TOPOLOGY_INVALID');
  });

  it('refuses binds outside /etc with LAB_UNSUPPORTED', () => {
    const e = refusal(base('    n1:\n      binds: ["a.txt:/opt/a.txt"]'));
    expect(e.code).to.equal('LAB_UNSUPPORTED');
    expect(e.message).to.contain('/opt/a.txt');
  });

  it('refuses links to unknown nodes, eth0 and endpoints used twice', () => {
    const nodes = '    a: {}\n    b: {}';
    expect(refusal(base(nodes, '    - endpoints: ["a:eth1", "c:eth1"]')).message).to.contain('unknown node "c"');
    expect(refusal(base(nodes, '    - endpoints: ["a:eth0", "b:eth1"]')).message).to.contain('management interface');
    expect(refusal(base(nodes, '    - endpoints: ["a:eth1", "b:eth1"]\n    - endpoints: ["a:eth1", "b:eth2"]')).message).to.contain('a:eth1 used twice');
    expect(refusal(base(nodes, '    - endpoints: ["a:eth1"]')).code).to.equal('LAB_TOPOLOGY_INVALID');
  });

  it('refuses an FRR node without frr.conf and invalid YAML', () => {
    expect(refusal(base('    r:\n      binds: ["d:/etc/frr/daemons"]')).message).to.contain('no /etc/frr/frr.conf');
    expect(refusal('name: [').code).to.equal('LAB_TOPOLOGY_INVALID');
  });

  it('reports an unreadable file with its own code', () => {
    try {
      loadTopology('/nonexistent/x.clab.yml');
      expect.fail('loaded');
    } catch (e) {
      expect((e as LabError).code).to.equal('LAB_TOPOLOGY_UNREADABLE');
    }
  });
});

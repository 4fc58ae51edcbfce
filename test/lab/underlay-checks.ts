// The checks of the `underlay` scenario (gateway between two FRR leafs, a host behind each), shared by its
// variants: numbered leaf links (underlay.test.ts) and unnumbered ones (underlay-unnumbered.test.ts). A variant
// says how its sessions are named and which address the gateway forwards to for each leaf; the checks are the
// same: BGP and BFD up over the punt taps, RIB and dataplane FIB per leaf with ECMP for the anycast prefix,
// flows spread over both leafs, host-to-host traffic through the workers with kernel forwarding off, and a
// prefix announced at run time forwarded.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { BfdPeerState } from '../../agent/src/features/frr/vtysh.ts';
import { showJson, vtysh } from '../../agent/src/features/frr/vtysh.ts';
import { apiGet, bfdState, bgpState, fib, forwardedDelta, ping, portCounters, reachable, tcpTransfer, type GatewayNode } from '../../agent/src/lab/observe.ts';
import { must, run, waitFor } from '../../agent/src/lab/sh.ts';
import type { Scenario } from './scenario.ts';

export type Leaf = 'leaf1' | 'leaf2';

export interface UnderlayVariant {
  lab: Scenario;
  /** The gateway's boot file (whether it runs the zebra plugin). */
  bootFile: string;
  /** BGP peer names as bgpd shows them (sorted). */
  sessions: string[];
  /** The BFD sessions, each as `bfdName` names it (sorted). */
  bfdSessions: string[];
  bfdName(p: BfdPeerState): string;
  /** The next hop of the gateway's IPv4 routes learned from a leaf (RIB and dataplane FIB). */
  hop(leaf: Leaf): Promise<string>;
  /** leaf2's BGP AS (to announce a prefix at run time). */
  leaf2Asn: number;
}

export function underlayChecks(v: UnderlayVariant): void {
  const ns = v.lab.netns;
  let gw: GatewayNode;
  before(() => (gw = v.lab.gw()));

  it('establishes BGP with both leafs over the punt taps', async () => {
    const peers = await waitFor(
      `${v.sessions.length} Established sessions`,
      async () => {
        const p = await bgpState(gw);
        return p.length === v.sessions.length && p.every((x) => x.state === 'Established') ? p : undefined;
      },
      90_000,
    );
    expect(peers.map((p) => p.peer).sort()).to.deep.equal(v.sessions);
    // The sessions run over eth1/eth2, which are the dataplane's kernel taps, not the veths.
    for (const tap of ['eth1', 'eth2']) {
      const r = await run('ip', ['-n', gw.netns, '-d', 'link', 'show', tap]);
      expect(r.stdout, tap).to.match(/\btun\b.*\btap\b/s);
    }
  });

  it('brings BFD up with both leafs', async () => {
    const bfd = await waitFor(
      'two BFD sessions up',
      async () => {
        const p = await bfdState(gw);
        return p.length === v.bfdSessions.length && p.every((x) => x.status === 'up') ? p : undefined;
      },
      30_000,
    );
    expect(bfd.map((p) => v.bfdName(p)).sort()).to.deep.equal(v.bfdSessions);
  });

  it('learns each leaf network from its leaf and the anycast prefix from both (FRR RIB)', async () => {
    type R = Record<string, { protocol: string; selected?: boolean; nexthops: { ip?: string; active?: boolean }[] }[]>;
    const rib = await waitFor(
      'BGP routes in the gateway RIB',
      async () => {
        const r = await showJson<R>(gw.frrInstance, 'show ip route bgp json');
        return r && r['10.1.1.0/24'] && r['10.2.2.0/24'] && r['10.100.0.0/24']?.[0]?.nexthops.length === 2 ? r : undefined;
      },
      30_000,
    );
    const [h1, h2] = [await v.hop('leaf1'), await v.hop('leaf2')];
    expect(rib['10.1.1.0/24']![0]!.nexthops.map((n) => n.ip)).to.deep.equal([h1]);
    expect(rib['10.2.2.0/24']![0]!.nexthops.map((n) => n.ip)).to.deep.equal([h2]);
    expect(rib['10.100.0.0/24']![0]!.nexthops.map((n) => n.ip).sort()).to.deep.equal([h1, h2].sort());
  });

  it('holds the leaf networks in the dataplane FIB, with ECMP over both leafs for the anycast prefix', async () => {
    // Sessions that just came up may still be settling (BFD coming up after BGP): wait for the full picture.
    const routes = await waitFor(
      'leaf routes and ECMP in the FIB',
      async () => {
        const r = await fib(gw);
        const anycast = r.find((x) => x.prefix === '10.100.0.0/24');
        return anycast?.via.length === 2 && r.some((x) => x.prefix === '10.1.1.0/24') && r.some((x) => x.prefix === 'fd02:2::/64') ? r : undefined;
      },
      30_000,
    );
    const [h1, h2] = [await v.hop('leaf1'), await v.hop('leaf2')];
    const by = new Map(routes.map((r) => [r.prefix, r]));
    expect(by.get('10.1.1.0/24')?.via).to.deep.equal([h1]);
    expect(by.get('10.2.2.0/24')?.via).to.deep.equal([h2]);
    // IPv6 BGP next hops resolve to the leaf's link-local address: the FIB must follow FRR's RIB.
    type R6 = Record<string, { nexthops: { ip?: string }[] }[]>;
    const rib6 = await showJson<R6>(gw.frrInstance, 'show ipv6 route fd02:2::/64 json');
    expect(by.get('fd02:2::/64')?.via).to.deep.equal(rib6!['fd02:2::/64']![0]!.nexthops.map((n) => n.ip));
    expect(by.get('10.100.0.0/24')?.via.slice().sort()).to.deep.equal([h1, h2].sort());
  });

  it('spreads flows to the anycast prefix over both leafs: each leaf receives a share of 512 UDP flows', async () => {
    // leaf1 owns 10.100.0.0/24 itself (on lo), so host1's packets to it would end at leaf1: the flows are put on
    // leaf1's link to the gateway instead, addressed to the gateway port's MAC, as if leaf1 forwarded them.
    // Each leaf counts what reaches it from the gateway with an nftables counter on its gateway-facing link.
    const flows = 512;
    const dport = 9999;
    const table = 'gwlab_ecmp';
    for (const leaf of ['leaf1', 'leaf2']) {
      const nft = (...cmd: string[]): Promise<string> => must('ip', ['netns', 'exec', ns(leaf), 'nft', ...cmd]);
      await run('ip', ['netns', 'exec', ns(leaf), 'nft', 'delete', 'table', 'inet', table]);
      await nft('add', 'table', 'inet', table);
      await nft(`add chain inet ${table} pre { type filter hook prerouting priority -300 ; }`);
      await nft(`add rule inet ${table} pre iifname eth1 udp dport ${dport} counter`);
    }
    const ports = await apiGet<{ items: { name: string; mac: string }[] }>(gw.apiSocket, '/v1/dataplane/ports');
    const gwMac = ports.items.find((p) => p.name === 'eth1')!.mac;
    const send = [
      'from scapy.all import Ether, IP, UDP, sendp',
      `sendp([Ether(dst='${gwMac}') / IP(src='10.1.1.10', dst='10.100.0.1') / UDP(sport=20000 + i, dport=${dport}) for i in range(${flows})], iface='eth1', inter=0.001, verbose=False)`,
    ].join('\n');
    await must('ip', ['netns', 'exec', ns('leaf1'), '/usr/bin/python3', '-c', send], { timeoutMs: 60_000 });
    const counted = async (leaf: string): Promise<number> => {
      const out = await must('ip', ['netns', 'exec', ns(leaf), 'nft', 'list', 'chain', 'inet', table, 'pre']);
      return Number(/counter packets (\d+)/.exec(out)?.[1] ?? NaN);
    };
    // The last packets may still be in flight: wait until the counts stop growing.
    let last = -1;
    const [leaf1, leaf2] = await waitFor('leaf counters settled', async () => {
      const c = [await counted('leaf1'), await counted('leaf2')] as const;
      const done = c[0] + c[1] === last;
      last = c[0] + c[1];
      return done ? c : undefined;
    }, 10_000, 500);
    for (const leaf of ['leaf1', 'leaf2']) await run('ip', ['netns', 'exec', ns(leaf), 'nft', 'delete', 'table', 'inet', table]);
    expect(leaf1 + leaf2, `leaf1 ${leaf1} + leaf2 ${leaf2} of ${flows} sent`).to.be.at.least(flows * 0.95);
    // A flow hash over 512 source ports: each member gets about half; a quarter is far outside chance.
    expect(Math.min(leaf1, leaf2), `leaf1 ${leaf1}, leaf2 ${leaf2}`).to.be.at.least((leaf1 + leaf2) / 4);
  });

  it('forwards host-to-host ping (v4 and v6) and TCP through the workers, with kernel forwarding off', async () => {
    const fwd = await run('ip', ['netns', 'exec', gw.netns, 'sysctl', '-n', 'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding']);
    expect(fwd.stdout.trim().split(/\s+/)).to.deep.equal(['0', '0']);
    // First packets may meet unresolved neighbors (hosts, leafs, the gateway's FIB nexthops): resolve first.
    for (const dst of ['10.2.2.10', 'fd02:2::10']) expect(await reachable(ns('host1'), dst), dst).to.equal(true);
    const before = await portCounters(gw);
    const p4 = await ping(ns('host1'), '10.2.2.10', 20, 0.05);
    const p6 = await ping(ns('host1'), 'fd02:2::10', 20, 0.05);
    expect(p4).to.deep.equal({ sent: 20, received: 20 });
    expect(p6).to.deep.equal({ sent: 20, received: 20 });
    const tcp = await tcpTransfer(ns('host1'), ns('host2'), '10.2.2.10', 8 << 20);
    expect(tcp.received).to.equal(8 << 20);
    const d = new Map(forwardedDelta(before, await portCounters(gw)).map((x) => [x.port, x]));
    // Echo requests and every TCP byte the receiver got went in through eth1 and out through eth2 (the kernel
    // cannot have forwarded them); replies and ACKs came back the other way.
    expect(Number(d.get('eth1')!.forwardedIn)).to.be.at.least(40 + tcp.received / 9000);
    expect(Number(d.get('eth2')!.txBytes)).to.be.at.least(tcp.received);
    expect(Number(d.get('eth2')!.forwardedIn)).to.be.at.least(40);
  });

  it('forwards a prefix a leaf starts announcing at run time (FRR -> zebra plugin -> FIB)', async function () {
    const boot = parse(readFileSync(v.bootFile, 'utf8')) as { frr?: { plugin?: unknown } };
    if (boot.frr?.plugin === false) this.skip(); // the gateway runs without the zebra plugin in this topology
    await vtysh(ns('leaf2'), ['-c', 'conf t', '-c', `router bgp ${v.leaf2Asn}`, '-c', 'address-family ipv4 unicast', '-c', 'network 10.102.0.0/24']);
    await run('ip', ['-n', ns('leaf2'), 'addr', 'add', '10.102.0.1/24', 'dev', 'lo']);
    const h2 = await v.hop('leaf2');
    await waitFor('10.102.0.0/24 in the dataplane FIB', async () => (await fib(gw)).some((r) => r.prefix === '10.102.0.0/24' && r.via[0] === h2), 30_000);
    // The leafs learn it through the gateway too; then host1 reaches leaf2's new address through the workers.
    expect(await reachable(ns('host1'), '10.102.0.1'), 'reachable').to.equal(true);
    expect((await ping(ns('host1'), '10.102.0.1', 5, 0.1)).received).to.equal(5);
  });
}

// Real zebra + bgpd (with our plugin) in the gateway netns, gobgp peers in A and B, the real agent with the
// real DPDK dataplane: the dataplane FIB must follow zebra's RIB exactly, through withdrawals, ECMP, refusals,
// agent kill -9 and zebra restarts.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as h from './harness.ts';

interface ZRoute {
  prefix: string;
  selected?: boolean;
  installed?: boolean;
  failed?: boolean;
  queued?: boolean;
  nexthops: { ip?: string; interfaceName?: string; active?: boolean; fib?: boolean }[];
}

/** zebra's BGP routes it holds as installed in the FIB (not rejected, not queued). */
async function zebraBgp(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const af of ['ip', 'ipv6']) {
    const j = await h.vtyshJson<Record<string, ZRoute[]>>(`show ${af} route bgp json`);
    for (const [prefix, rs] of Object.entries(j)) {
      for (const r of rs) {
        if (r.selected && r.installed && !r.failed) out.set(prefix, r.nexthops.filter((n) => n.fib || n.active).map((n) => n.ip ?? '').sort());
      }
    }
  }
  return out;
}

const linkLocal = (prefix: string): boolean => /^fe80:/i.test(prefix);

/**
 * What the dataplane must hold besides zebra's BGP routes, from zebra's view of the dataplane ports' taps: each
 * connected subnet over a tap (`dev <tap>`) and each tap address as a local host route. Link-local addresses are
 * punted by the pipeline, not routed.
 */
async function zebraOwn(taps: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const af of ['ip', 'ipv6']) {
    const j = await h.vtyshJson<Record<string, ZRoute[]>>(`show ${af} route connected json`);
    for (const [prefix, rs] of Object.entries(j)) {
      const dev = rs.find((r) => r.selected)?.nexthops[0]?.interfaceName;
      if (dev !== undefined && taps.includes(dev) && !linkLocal(prefix)) out.set(prefix, [`dev ${dev}`]);
    }
  }
  for (const tap of taps) {
    const j = await h.vtyshJson<Record<string, { ipAddresses?: { address: string }[] }>>(`show interface ${tap} json`);
    for (const { address } of j[tap]?.ipAddresses ?? []) {
      const ip = address.split('/')[0]!;
      if (!linkLocal(ip)) out.set(`${ip}/${ip.includes(':') ? 128 : 32}`, ['local']);
    }
  }
  return out;
}

interface DpRoute {
  prefix: string;
  kind: string;
  group?: number;
}

/** The dataplane's whole FIB of VRF 0 (every page): prefix -> gateways (`dev <tap>` when connected) or the kind. */
async function dataplaneFib(d: h.Daemon): Promise<Map<string, string[]>> {
  const items: DpRoute[] = [];
  for (let token: string | undefined, first = true; first || token !== undefined; first = false) {
    const page = await h.api<{ items: DpRoute[]; next_page_token?: string }>(d, `/v1/dataplane/routes?vrf=0${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
    items.push(...page.items);
    token = page.next_page_token;
  }
  const nh = await h.api<{ nexthops: { id: number; port: number; gateway?: string }[]; groups: { id: number; members: { nexthop: number }[] }[] }>(d, '/v1/dataplane/nexthops');
  const ports = (await h.api<{ items: { id: number; tapName: string }[] }>(d, '/v1/dataplane/ports')).items;
  const hop = (id: number): string => {
    const n = nh.nexthops.find((x) => x.id === id);
    return n?.gateway ?? `dev ${ports.find((p) => p.id === n?.port)?.tapName ?? `nexthop ${id}?`}`;
  };
  const out = new Map<string, string[]>();
  for (const r of items) {
    if (r.kind !== 'unicast') out.set(r.prefix, [r.kind]);
    else out.set(r.prefix, (nh.groups.find((x) => x.id === r.group)?.members ?? []).map((m) => hop(m.nexthop)).sort());
  }
  return out;
}

async function tapNames(d: h.Daemon): Promise<string[]> {
  return (await h.api<{ items: { tapName: string }[] }>(d, '/v1/dataplane/ports')).items.map((p) => p.tapName);
}

const asObj = (m: Map<string, string[]>): Record<string, string[]> => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

/**
 * Waits until zebra's BGP FIB equals `want` (prefix -> gateways) and the dataplane's whole FIB equals zebra's
 * BGP routes plus the ports' own routes (both ways: a route the dataplane holds and zebra does not fails too),
 * and the CPI lists exactly the BGP prefixes.
 */
async function converged(d: h.Daemon, want: Record<string, string[]>, timeoutMs = 30_000): Promise<void> {
  const w = asObj(new Map(Object.entries(want).map(([k, v]) => [k, [...v].sort()])));
  let last = '';
  await h
    .until('dataplane FIB == zebra FIB == expected', async () => {
      const bgp = await zebraBgp();
      const z = asObj(new Map([...bgp, ...(await zebraOwn(await tapNames(d)))]));
      const dp = asObj(await dataplaneFib(d));
      const cpi = [...((await h.debugView()).fib['0'] ?? [])].sort();
      last = JSON.stringify({ zebra: z, dataplane: dp, cpi });
      return JSON.stringify(asObj(bgp)) === JSON.stringify(w) && JSON.stringify(dp) === JSON.stringify(z) && JSON.stringify(cpi) === JSON.stringify(Object.keys(w).sort());
    }, timeoutMs, 250)
    .catch((e: Error) => {
      throw new Error(`${e.message}; want ${JSON.stringify(w)}, last ${last}`);
    });
}

describe('zebra plugin + CPI with real FRR, gobgp peers and the DPDK dataplane', function () {
  this.timeout(180_000);
  let l: h.Lab;
  let d: h.Daemon | undefined;
  let A: h.Peer;
  let B: h.Peer;

  before(async () => {
    l = await h.setupLab();
    d = await h.startAgent(l);
    await h.startZebra(l);
    await h.startBgpd(l);
    [A, B] = h.peers(l) as [h.Peer, h.Peer];
    await h.startPeer(A, '10.0.1.1', 'fd00:1::1');
    await h.startPeer(B, '10.0.2.1', 'fd00:2::1');
    await h.until('4 BGP sessions established', async () => (await h.vtysh('show bgp summary json')).split('"Established"').length >= 5, 60_000, 500);
  });

  after(async () => {
    if (d) await h.killAgent9(d).catch(() => undefined);
    await h.teardown(l);
  });

  it('loads into Debian zebra as a provider placed before the kernel', async () => {
    const mods = await h.vtysh('show modules');
    expect(mods).to.match(/vpc_gateway\s+0\.1\.0\+frr8\.4\.4/);
    const provs = await h.vtysh('show zebra dplane providers');
    expect(provs.indexOf('vpc-gateway')).to.be.greaterThan(-1);
    expect(provs.indexOf('vpc-gateway')).to.be.lessThan(provs.indexOf('Kernel'));
    const st = await h.api<{ state: string; frrVersion: string; schemaVersion: number }>(d!, '/v1/cpi');
    expect(st.frrVersion).to.equal('8.4.4');
    expect(st.state).to.be.oneOf(['syncing', 'established']);
    // Only root and zebra's group may write routes: root:frr 0660 (zebra, running as frr, connected above).
    const sock = statSync(h.ENDPOINT.slice('ipc://'.length));
    expect(sock.mode & 0o777).to.equal(0o660);
    expect(sock.gid).to.equal(Number(execFileSync('getent', ['group', 'frr'], { encoding: 'utf8' }).split(':')[2]));
  });

  it('announce and withdraw IPv4/IPv6: the dataplane FIB follows zebra, the kernel FIB does not get them', async () => {
    await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.1.0/24']);
    await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv6', '2001:db8:1::/48']);
    await h.gobgp(B, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.3.0/24']);
    await converged(d!, { '10.100.1.0/24': ['10.0.1.2'], '2001:db8:1::/48': ['fd00:1::2'], '10.100.3.0/24': ['10.0.2.2'] });
    // Default is dataplane only (skip_kernel): the gateway's kernel has no BGP routes.
    const kr = await h.nsExec(l.nsG, ['ip', 'route', 'show', '10.100.1.0/24']);
    expect(kr.out.trim()).to.equal('');
    await h.gobgp(A, ['global', 'rib', 'del', '-a', 'ipv4', '10.100.1.0/24']);
    await h.gobgp(A, ['global', 'rib', 'del', '-a', 'ipv6', '2001:db8:1::/48']);
    await converged(d!, { '10.100.3.0/24': ['10.0.2.2'] });
  });

  it('ECMP from two peers becomes one group with both gateways, and shrinks when one withdraws', async () => {
    await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.2.0/24']);
    await h.gobgp(B, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.2.0/24']);
    await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv6', '2001:db8:2::/48']);
    await h.gobgp(B, ['global', 'rib', 'add', '-a', 'ipv6', '2001:db8:2::/48']);
    await converged(d!, {
      '10.100.3.0/24': ['10.0.2.2'],
      '10.100.2.0/24': ['10.0.1.2', '10.0.2.2'],
      '2001:db8:2::/48': ['fd00:1::2', 'fd00:2::2'],
    });
    await h.gobgp(B, ['global', 'rib', 'del', '-a', 'ipv4', '10.100.2.0/24']);
    await converged(d!, { '10.100.3.0/24': ['10.0.2.2'], '10.100.2.0/24': ['10.0.1.2'], '2001:db8:2::/48': ['fd00:1::2', 'fd00:2::2'] });
  });

  it('a route over an interface that is not a dataplane port is rejected in zebra and not advertised to the other peer', async () => {
    // B announces with a BGP nexthop on the gateway's plain veth: zebra resolves it there, the dataplane refuses.
    await h.gobgp(B, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.9.0/24', 'nexthop', h.FOREIGN.nh]);
    await h.gobgp(B, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.8.0/24']);
    await h.until('zebra shows 10.100.9.0/24 rejected', async () => {
      const j = await h.vtyshJson<Record<string, ZRoute[]>>('show ip route 10.100.9.0/24 json');
      const r = j['10.100.9.0/24']?.[0];
      return r !== undefined && r.failed === true && !r.installed;
    }, 20_000);
    expect(await h.vtysh('show ip route 10.100.9.0/24')).to.match(/r\s*10\.100\.9\.0\/24|rejected|B>r/);
    const st = await h.api<{ recentFailures: { subject: string; code: string; reason: string }[] }>(d!, '/v1/cpi');
    const f = st.recentFailures.find((x) => x.subject.includes('10.100.9.0/24'));
    expect(f?.code).to.equal('unsupported');
    expect(f?.reason).to.match(/not a dataplane port/);
    // A hears B's good route (so advertisement works) but never the refused one.
    await h.until('A learns 10.100.8.0/24', async () => (await h.gobgp(A, ['global', 'rib', '-a', 'ipv4'])).includes('10.100.8.0/24'), 20_000);
    expect(await h.gobgp(A, ['global', 'rib', '-a', 'ipv4'])).not.to.include('10.100.9.0/24');
    expect(asObj(await dataplaneFib(d!))).not.to.have.property('10.100.9.0/24');
    await h.gobgp(B, ['global', 'rib', 'del', '-a', 'ipv4', '10.100.9.0/24']);
  });

  it('kill -9 of the agent: the restart removes its stale XDP programs itself; after resync the dataplane equals zebra, nothing stale', async () => {
    const want = { '10.100.3.0/24': ['10.0.2.2'], '10.100.2.0/24': ['10.0.1.2'], '10.100.8.0/24': ['10.0.2.2'], '2001:db8:2::/48': ['fd00:1::2', 'fd00:2::2'] };
    await converged(d!, want);
    // Changes while the agent is down are held by the plugin (zebra shows them queued) and arrive later. The
    // restarted agent removes the killed one's XDP programs itself (checked by crashAndRestart).
    d = await h.crashAndRestart(d!, l, async () => {
      await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.4.0/24']);
      await h.gobgp(B, ['global', 'rib', 'del', '-a', 'ipv4', '10.100.8.0/24']);
    });
    await h.until('epoch complete after agent restart', async () => (await h.api<{ epochComplete: boolean }>(d!, '/v1/cpi')).epochComplete, 30_000);
    const { ['10.100.8.0/24']: _gone, ...rest } = want;
    await converged(d!, { ...rest, '10.100.4.0/24': ['10.0.1.2'] });
  });

  it('zebra restart: forwarding entries stay while zebra is away, then the new epoch sweeps what did not come back', async () => {
    await h.gobgp(A, ['global', 'rib', 'add', '-a', 'ipv4', '10.100.5.0/24']);
    await converged(d!, { '10.100.3.0/24': ['10.0.2.2'], '10.100.2.0/24': ['10.0.1.2'], '2001:db8:2::/48': ['fd00:1::2', 'fd00:2::2'], '10.100.4.0/24': ['10.0.1.2'], '10.100.5.0/24': ['10.0.1.2'] });
    const before = (await h.api<{ epoch: number }>(d!, '/v1/cpi')).epoch;
    const fibSize = (await dataplaneFib(d!)).size; // the 5 BGP routes and the ports' own routes
    // A restart of FRR (zebra and bgpd, as the supervisor does): bgpd must re-learn from the peers, and the
    // plugin's sync-delay holds the replay (and so the sweep) until that had time to happen.
    h.killFrr('SIGKILL');
    await h.until('agent sees the plugin gone', async () => (await h.api<{ state: string }>(d!, '/v1/cpi')).state === 'lost', 20_000);
    // While FRR is down, and while it comes back, the dataplane keeps every route: sample it throughout.
    let minSeen = Infinity;
    const sample = async (): Promise<void> => {
      minSeen = Math.min(minSeen, (await dataplaneFib(d!)).size);
    };
    await sample();
    await h.gobgp(A, ['global', 'rib', 'del', '-a', 'ipv4', '10.100.5.0/24']); // gone while zebra is down
    await h.startZebra(l);
    await h.startBgpd(l);
    await h.until('new epoch complete', async () => {
      const s = await h.api<{ epoch: number; epochComplete: boolean }>(d!, '/v1/cpi');
      if (s.epoch > before && s.epochComplete) return true;
      await sample(); // until the sweep, nothing may have left the dataplane
      return false;
    }, 90_000, 200);
    expect(minSeen, 'routes present in the dataplane at every sample during the restart').to.equal(fibSize);
    await converged(d!, { '10.100.3.0/24': ['10.0.2.2'], '10.100.2.0/24': ['10.0.1.2'], '2001:db8:2::/48': ['fd00:1::2', 'fd00:2::2'], '10.100.4.0/24': ['10.0.1.2'] }, 60_000);
  });
});

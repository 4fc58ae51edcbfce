// `gwctl show ports|routes|nexthops|neighbors|counters`: the dataplane tables this feature fills.
import type { Command } from 'commander';
import { showCommand } from '../../cli/commands.ts';
import type { components } from '../../api/openapi.gen.ts';
import { call, CliError, client, print } from '../../cli/output.ts';
import { table } from '../../cli/table.ts';
import { showVpcRoutes } from '../routing/cli.ts';

/** Two reads `period` seconds apart: packets and bits per second per port, drops per second per reason. */
async function showRates(cmd: Command, period: number): Promise<void> {
  if (!(period > 0 && period <= 3600)) throw new CliError('gwctl: --period must be 0 < seconds <= 3600', 1);
  const a = await call(client(cmd).GET('/v1/dataplane/counters'));
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, period * 1000));
  const b = await call(client(cmd).GET('/v1/dataplane/counters'));
  const secs = (Date.now() - t0) / 1000;
  // A clear between the reads makes a counter go down: its rate is unknown, not negative.
  const rate = (x: string | undefined, y: string): number | null => (x === undefined || BigInt(y) < BigInt(x) ? null : Math.round(Number(BigInt(y) - BigInt(x)) / secs));
  const prev = new Map(a.ports.map((p) => [p.port, p]));
  const ports = b.ports.map((p) => {
    const q = prev.get(p.port);
    const bps = (x: string | undefined, y: string): number | null => {
      const r = rate(x, y);
      return r === null ? null : r * 8;
    };
    return { port: p.port, name: p.name, rxPps: rate(q?.rxPackets, p.rxPackets), rxBps: bps(q?.rxBytes, p.rxBytes), txPps: rate(q?.txPackets, p.txPackets), txBps: bps(q?.txBytes, p.txBytes), puntPps: rate(q?.puntPackets, p.puntPackets) };
  });
  const drops = Object.entries(b.drops).map(([reason, v]) => ({ reason, pps: rate(a.drops[reason], v) }));
  const out = { periodSeconds: secs, ports, drops: drops.filter((d) => d.pps !== 0) };
  print(cmd, out, () =>
    `rates over ${secs.toFixed(1)} s\n` +
    table(['PORT', 'NAME', 'RX-PPS', 'RX-BPS', 'TX-PPS', 'TX-BPS', 'PUNT-PPS'], ports.map((p) => [p.port, p.name, p.rxPps, p.rxBps, p.txPps, p.txBps, p.puntPps])) +
    '\n' +
    table(['DROP-REASON', 'PPS'], out.drops.map((d) => [d.reason, d.pps])),
  );
}

export function register(program: Command): void {
  const show = showCommand(program);
  show
    .command('ports')
    .description('dataplane ports')
    .action(async (_o, cmd: Command) => {
      const p = await call(client(cmd).GET('/v1/dataplane/ports'));
      print(cmd, p, () =>
        table(['ID', 'NAME', 'DEVICE', 'MAC', 'MTU', 'VRF', 'LINK', 'TAP'], p.items.map((x) => [x.id, x.name, x.device, x.mac, x.mtu, x.vrf, x.linkUp ? 'up' : 'down', x.tapName])),
      );
    });

  show
    .command('routes')
    .description('dataplane FIB of one VRF, or (--vpc) a VPC\'s routes with their VXLAN tunnels')
    .option('--vrf <id>', 'VRF id', '0')
    .option('--vpc <name>', 'the routes of this VPC (overlay: VNI, VTEP, router MAC per route)')
    .action(async (o: { vrf: string; vpc?: string }, cmd: Command) => {
      if (o.vpc !== undefined) return showVpcRoutes(cmd, o.vpc);
      // Follow the cursor to the end: the table is shown whole, page by page as the API serves it.
      const vrf = Number(o.vrf);
      const items: components['schemas']['DpRoute'][] = [];
      let token: string | undefined;
      do {
        const page = await call(
          client(cmd).GET('/v1/dataplane/routes', { params: { query: { vrf, page_size: 10000, ...(token ? { page_token: token } : {}) } } }),
        );
        items.push(...page.items);
        token = page.next_page_token;
      } while (token);
      print(cmd, { vrf, items }, () => `VRF ${vrf}\n${table(['PREFIX', 'TARGET', 'GROUP'], items.map((x) => [x.prefix, x.kind, x.group]))}`);
    });

  show
    .command('nexthops')
    .description('dataplane next hops and ECMP groups')
    .action(async (_o, cmd: Command) => {
      const n = await call(client(cmd).GET('/v1/dataplane/nexthops'));
      print(
        cmd,
        n,
        () =>
          table(['NH', 'PORT', 'GATEWAY'], n.nexthops.map((x) => [x.id, x.port, x.gateway ?? 'connected'])) +
          '\n' +
          table(['GROUP', 'MEMBERS'], n.groups.map((g) => [g.id, g.members.map((m) => `${m.nexthop}*${m.weight}`).join(' ')])),
      );
    });

  show
    .command('neighbors')
    .description('dataplane neighbors (ARP/ND)')
    .action(async (_o, cmd: Command) => {
      const n = await call(client(cmd).GET('/v1/dataplane/neighbors'));
      print(cmd, n, () => table(['PORT', 'IP', 'MAC'], n.items.map((x) => [x.port, x.ip, x.mac])));
    });

  show
    .command('counters')
    .description('per port, per worker and drop counters since the last `clear counters`')
    .option('-p, --period <seconds>', 'show rates over this period instead of totals')
    .action(async (o: { period?: string }, cmd: Command) => {
      if (o.period !== undefined) return showRates(cmd, Number(o.period));
      const c = await call(client(cmd).GET('/v1/dataplane/counters'));
      print(cmd, c, () => {
        const nonzero = Object.entries(c.drops).filter(([, v]) => v !== '0');
        return (
          (c.clearedAt ? `since ${c.clearedAt}\n` : '') +
          table(
            ['PORT', 'NAME', 'RX-PKTS', 'RX-BYTES', 'TX-PKTS', 'TX-BYTES', 'PUNT', 'TX-DROPS'],
            c.ports.map((p) => [p.port, p.name, p.rxPackets, p.rxBytes, p.txPackets, p.txBytes, p.puntPackets, p.txDrops]),
          ) +
          '\n' +
          table(['WORKER', 'LCORE', 'BUSY-POLLS', 'IDLE-POLLS', 'SLEEPS'], c.workers.map((w) => [w.worker, w.lcore, w.busyPolls, w.idlePolls, w.sleeps])) +
          '\n' +
          table(['DROP-REASON', 'PACKETS'], nonzero)
        );
      });
    });
}

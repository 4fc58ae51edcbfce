// `gwctl show ...`: one subcommand per table the API serves.
import type { Command } from 'commander';
import type { components } from '../api/openapi.gen.ts';
import { call, CliError, client, print } from './output.ts';
import { fields, table } from './table.ts';

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

export function registerShow(program: Command): Command {
  const show = program.command('show').description('show a table (add -j for JSON)');

  show
    .command('config')
    .description('the newest desired-state document (or any stored generation)')
    .option('-g, --generation <n>', 'a stored generation instead of the newest')
    .action(async (o: { generation?: string }, cmd: Command) => {
      if (o.generation !== undefined && !/^[1-9]\d*$/.test(o.generation)) throw new CliError(`gwctl: generation must be a number (got ${o.generation})`, 1);
      const c = client(cmd);
      const d = await call(o.generation ? c.GET('/v1/config/history/{generation}', { params: { path: { generation: Number(o.generation) } } }) : c.GET('/v1/config'));
      // YAML is what `apply -f` takes, so the text form is directly editable.
      const { stringify } = await import('yaml');
      print(cmd, d, () => `# generation ${d.generation}\n${stringify(d.spec)}`);
    });

  show
    .command('status')
    .description('generation in force, store health, per-object conditions, last error')
    .action(async (_o, cmd: Command) => {
      const s = await call(client(cmd).GET('/v1/status'));
      print(cmd, s, () => {
        let out = fields([
          ['state', s.state],
          ['generation', s.generation],
          ['observed generation', s.observedGeneration],
          ['last applied', s.lastAppliedAt],
          ['store', `${s.store.kind} ${s.store.healthy ? 'healthy' : `UNHEALTHY ${s.store.detail ?? ''}`}`],
          ['consumers', (s.consumers ?? []).join(', ') || '-'],
          ['features', (s.features ?? []).join(' ') || '-'],
        ]);
        if (s.lastError) {
          out += `last error (generation ${s.lastError.generation} at ${s.lastError.at}):\n`;
          for (const p of s.lastError.problems) out += `  ${p.path || '/'}: ${p.code}: ${p.detail}\n`;
        }
        if (s.conditions.length > 0) out += `\n${table(['OBJECT', 'READY', 'REASON', 'MESSAGE'], s.conditions.map((c) => [c.object, c.status, c.reason, c.message]))}`;
        return out;
      });
    });

  show
    .command('history')
    .description('stored generations, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .action(async (o: { limit: string }, cmd: Command) => {
      const h = await call(client(cmd).GET('/v1/config/history', { params: { query: { limit: Number(o.limit) } } }));
      print(cmd, h, () =>
        table(['GEN', 'CREATED', 'AUTHOR', 'RESULT', 'ROLLBACK-OF', 'ERROR'], h.items.map((e) => [e.generation, e.createdAt, e.author, e.result, e.rollbackOf, e.error])),
      );
    });

  show
    .command('audit')
    .description('audit log of writes, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .option('-g, --generation <n>', 'only entries of this generation')
    .action(async (o: { limit: string; generation?: string }, cmd: Command) => {
      const query = { limit: Number(o.limit), ...(o.generation ? { generation: Number(o.generation) } : {}) };
      const a = await call(client(cmd).GET('/v1/audit', { params: { query } }));
      print(cmd, a, () =>
        table(
          ['SEQ', 'AT', 'WHO', 'ACTION', 'GEN', 'RESULT', 'CHANGES', 'DETAIL'],
          a.items.map((e) => [e.seq, e.at, e.who, e.action, e.generation, e.code ? `${e.result} ${e.code}` : e.result, e.diff?.length, e.detail]),
        ),
      );
    });

  show
    .command('vpcs')
    .description('VPCs of the newest generation')
    .action(async (_o, cmd: Command) => {
      const v = await call(client(cmd).GET('/v1/vpcs'));
      print(cmd, v, () => table(['NAME', 'ID', 'VNI', 'SUBNETS'], v.items.map((x) => [x.name, x.id, x.vni, x.subnets.map((s) => s.cidr).join(',')])));
    });

  show
    .command('peerings')
    .description('peerings of the newest generation')
    .action(async (_o, cmd: Command) => {
      const p = await call(client(cmd).GET('/v1/peerings'));
      const side = (s: { vpc: string; expose: { ips: string[]; nat?: { mode: string } }[] }): string =>
        `${s.vpc}[${s.expose.map((e) => e.ips.join(',') + (e.nat ? ` nat=${e.nat.mode}` : '')).join(' ')}]`;
      print(cmd, p, () => table(['NAME', 'GROUP', 'SIDE A', 'SIDE B'], p.items.map((x) => [x.name, x.group, ...x.sides.map(side)])));
    });

  show
    .command('groups')
    .description('gateway groups of the newest generation (members by priority)')
    .action(async (_o, cmd: Command) => {
      const g = await call(client(cmd).GET('/v1/groups'));
      const members = (m: { name: string; priority: number }[]): string =>
        [...m].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name)).map((x) => `${x.name}(${x.priority})`).join(' ');
      print(cmd, g, () => table(['NAME', 'MEMBERS'], g.items.map((x) => [x.name, members(x.members)])));
    });

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
    .description('dataplane FIB of one VRF')
    .option('--vrf <id>', 'VRF id', '0')
    .action(async (o: { vrf: string }, cmd: Command) => {
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

  show
    .command('plugin')
    .alias('cpi')
    .description('zebra plugin link (control-plane interface)')
    .action(async (_o, cmd: Command) => {
      const c = (await call(client(cmd).GET('/v1/cpi'))) as Record<string, unknown> & { ops: Record<string, { received?: number; ok?: number; failed?: number }> };
      print(cmd, c, () => {
        const scalars = Object.entries(c).filter(([, v]) => typeof v !== 'object' || v === null) as [string, string | number | null][];
        return fields(scalars) + '\n' + table(['OP', 'RECEIVED', 'OK', 'FAILED'], Object.entries(c.ops).map(([op, v]) => [op, v.received, v.ok, v.failed]));
      });
    });

  show
    .command('frr')
    .description('FRR daemons and config applies (--config: the rendered frr.conf in force)')
    .option('--config', 'print the rendered FRR configuration')
    .action(async (o: { config?: boolean }, cmd: Command) => {
      if (o.config) {
        const text = await call(client(cmd).GET('/v1/frr/config', { parseAs: 'text' }));
        print(cmd, { config: text }, () => text);
        return;
      }
      const f = await call(client(cmd).GET('/v1/frr'));
      print(cmd, f, () => {
        const la = f.lastApply;
        return (
          fields([
            ['instance', f.instance],
            ['plugin', f.plugin],
            ['generation in force', f.generation],
            ['last apply', la ? `${la.ok ? 'ok' : `FAILED ${la.code ?? ''} ${la.detail ?? ''}`} (generation ${la.generation} at ${la.at})` : null],
          ]) +
          '\n' +
          table(['DAEMON', 'PID', 'RUNNING', 'RESTARTS', 'LAST-EXIT'], f.daemons.map((d) => [d.daemon, d.pid, d.running ? 'yes' : 'no', d.restarts, d.lastExit]))
        );
      });
    });

  show
    .command('bgp')
    .description('BGP neighbor states as FRR reports them')
    .action(async (_o, cmd: Command) => {
      const n = await call(client(cmd).GET('/v1/frr/neighbors'));
      print(cmd, n.bgp, () => table(['NEIGHBOR', 'STATE', 'PFX-RCD'], n.bgp.map((p) => [p.peer, p.state, p.pfxRcd])));
    });

  show
    .command('bfd')
    .description('BFD peer states as FRR reports them')
    .action(async (_o, cmd: Command) => {
      const n = await call(client(cmd).GET('/v1/frr/neighbors'));
      print(cmd, n.bfd, () => table(['PEER', 'STATUS', 'INTERFACE'], n.bfd.map((p) => [p.peer, p.status, p.iface])));
    });

  show
    .command('log-levels')
    .description('per-component log levels')
    .action(async (_o, cmd: Command) => {
      const l = await call(client(cmd).GET('/v1/log-levels'));
      print(cmd, l, () => `default: ${l.default ?? '-'}\n${table(['COMPONENT', 'LEVEL'], Object.entries(l.levels))}`);
    });

  return show;
}

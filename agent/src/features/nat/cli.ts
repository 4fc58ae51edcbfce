// `gwctl show nat sessions|pools|static` and `gwctl clear nat sessions`: napt's sessions as an aligned table,
// pools and static mappings as vtysh-style blocks; `-j` prints the API's JSON as is.
import type { Command } from 'commander';
import type { components } from '../../api/openapi.gen.ts';
import { showCommand } from '../../cli/commands.ts';
import { call, client, print } from '../../cli/output.ts';
import { table } from '../../cli/table.ts';

type S = components['schemas'];

const ep = (e: S['NatEndpoint']): string => (e.addr.includes(':') ? `[${e.addr}]:${e.port}` : `${e.addr}:${e.port}`);

export function formatSessions(r: { items: S['NatSession'][]; truncated: boolean }): string {
  const rows = r.items.map((s) => [s.proto, ep(s.inside), ep(s.outside), ep(s.remote), s.state, s.idleSeconds, s.expiresSeconds, s.peering]);
  const n = r.items.length;
  return table(['Proto', 'Inside', 'Outside', 'Remote', 'State', 'Idle', 'Expires', 'Peering'], rows) + `${n} session${n === 1 ? '' : 's'}${r.truncated ? ' shown, more match (raise --limit)' : ''}\n`;
}

const list = (xs: string[]): string => (xs.length ? xs.join(', ') : 'none');

export function formatPools(r: { dataplane: boolean; items: S['NatPool'][] }): string {
  if (!r.dataplane) return 'No stateful NAT in this dataplane\n';
  if (r.items.length === 0) return 'No NAT pools\n';
  return r.items
    .map((p) => {
      let out = `Pool ${p.pool}: ${p.mode}, peering ${p.peering}, VPC ${p.vpc} (VRF ${p.vrf})\n`;
      out += `  Addresses: ${list(p.prefixes)}\n`;
      if (p.mode === 'masquerade') out += `  Inside: ${list(p.inside)}\n  Filtering: ${p.filtering ?? '-'}\n`;
      for (const f of p.forwards) out += `  Forward: ${f.proto} ${ep({ addr: f.addr, port: f.port })} -> ${ep({ addr: f.inside, port: f.insidePort })}\n`;
      out += `  Idle timeout: ${p.idleTimeoutSeconds === 0 ? 'protocol defaults' : `${p.idleTimeoutSeconds} s`}\n`;
      const s = p.stats;
      out += s ? `  In use: ${s.sessions} sessions, ${s.portsInUse} ports of ${s.addresses} addresses; exhausted ${s.exhausted}\n` : '  No use reported\n';
      return out;
    })
    .join('\n');
}

export function formatStatic(r: { dataplane: boolean; items: S['NatStaticMapping'][] }): string {
  if (!r.dataplane) return 'No static NAT in this dataplane\n';
  return table(['Peering', 'VPC', 'VRF', 'Inside (ips)', 'Outside (as)'], r.items.map((m) => [m.peering, m.vpc, m.vrf, m.ips, m.as]));
}

interface FilterOpts {
  vpc?: string;
  peering?: string;
  proto?: 'tcp' | 'udp' | 'icmp';
  addr?: string;
}

const filterOptions = (c: Command): Command =>
  c
    .option('--vpc <name>', 'sessions whose inside endpoint is in this VPC')
    .option('--peering <name>', 'sessions of this peering')
    .option('--proto <proto>', 'tcp, udp or icmp')
    .option('--addr <ip>', 'sessions with this inside, outside or remote address');

const filterOf = (o: FilterOpts): FilterOpts => Object.fromEntries(Object.entries({ vpc: o.vpc, peering: o.peering, proto: o.proto, addr: o.addr }).filter(([, v]) => v !== undefined));

export function register(program: Command): void {
  const nat = showCommand(program).command('nat').description('NAT: sessions, pools, static mappings');
  filterOptions(nat.command('sessions').description('NAT sessions (masquerade and port forwards)'))
    .option('--limit <n>', 'at most this many sessions', '1000')
    .action(async (o: FilterOpts & { limit: string }, cmd: Command) => {
      const r = await call(client(cmd).GET('/v1/nat/sessions', { params: { query: { ...filterOf(o), limit: Number(o.limit) } } }));
      print(cmd, r, () => formatSessions(r));
    });
  nat
    .command('pools')
    .description('stateful NAT pools: addresses, forwards, ports in use, exhaustion')
    .action(async (_o, cmd: Command) => {
      const r = await call(client(cmd).GET('/v1/nat/pools'));
      print(cmd, r, () => formatPools(r));
    });
  nat
    .command('static')
    .description('static NAT mappings (NAT44 prefix pairs, NPTv6)')
    .action(async (_o, cmd: Command) => {
      const r = await call(client(cmd).GET('/v1/nat/static'));
      print(cmd, r, () => formatStatic(r));
    });

  const clear = program.commands.find((c) => c.name() === 'clear') ?? program.command('clear').description('clear a table');
  filterOptions(clear.command('nat').description('NAT state').command('sessions').description('remove the NAT sessions matching every given filter (all without one)')).action(
    async (o: FilterOpts, cmd: Command) => {
      const r = await call(client(cmd).DELETE('/v1/nat/sessions', { params: { query: filterOf(o) } }));
      print(cmd, r, () => `${r.cleared} NAT session${r.cleared === 1 ? '' : 's'} cleared\n`);
    },
  );
}

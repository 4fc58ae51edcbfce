// /v1/dataplane/*: read-only views of the dataplane tables and counters. Counters are decimal strings because
// 64-bit values do not fit JSON numbers exactly.
import type { Router } from 'express';
import { who, type ApiContext } from '../../api/context.ts';
import { ApiProblem } from '../../api/problem.ts';
import { DATAPLANE } from '../../core/keys.ts';
import { parsePrefix } from '../../dataplane/addr.ts';
import type { DataplaneApi } from '../../dataplane/api.ts';

function need(ctx: ApiContext): DataplaneApi {
  const dp = ctx.services.find(DATAPLANE);
  if (!dp) throw new ApiProblem(503, 'NO_DATAPLANE', 'the dataplane is not running in this agent');
  return dp;
}

/** Sort key: family, network bytes, length, as fixed-width hex (string order = address order). */
function routeKey(prefix: string): string {
  const p = parsePrefix(prefix);
  if (!p) return `z${prefix}`;
  return `${p.family}${Buffer.from(p.bytes).toString('hex').padEnd(32, '0')}${p.len.toString(16).padStart(2, '0')}`;
}

function decodeCursor(t: string): string {
  const key = Buffer.from(t, 'base64url').toString('utf8');
  if (!/^[46][0-9a-f]{34}$/.test(key)) throw new ApiProblem(400, 'BAD_PAGE_TOKEN', 'page_token is not one this API returned', { path: '/query/page_token' });
  return key;
}

const str = (o: Record<string, bigint>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.toString()]));

export function dataplaneRoutes(r: Router, ctx: ApiContext): void {
  r.get('/v1/dataplane/ports', (_req, res) => {
    res.json({
      items: need(ctx)
        .ports()
        .map((p) => ({ id: p.id, name: p.name, device: p.device, mac: p.mac, mtu: p.mtu, vrf: p.vrf, linkUp: p.linkUp, tapName: p.tapName })),
    });
  });

  r.get('/v1/dataplane/routes', (req, res) => {
    const vrf = Number(req.query.vrf ?? 0);
    const size = Number(req.query.page_size ?? 1000);
    const after = req.query.page_token === undefined ? undefined : decodeCursor(String(req.query.page_token));
    // Address order with a cursor on the sort key: routes added or removed between pages shift nothing.
    const sorted = need(ctx)
      .routes(vrf)
      .map((rt) => ({ rt, key: routeKey(rt.prefix) }))
      .filter((x) => after === undefined || x.key > after)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const page = sorted.slice(0, size);
    const items = page.map(({ rt }) => ({ prefix: rt.prefix, kind: rt.target.kind, ...(rt.target.kind === 'unicast' ? { group: rt.target.group } : {}) }));
    const more = sorted.length > size;
    res.json({ vrf, items, ...(more ? { next_page_token: Buffer.from(page.at(-1)!.key).toString('base64url') } : {}) });
  });

  r.get('/v1/dataplane/nexthops', (_req, res) => {
    const dp = need(ctx);
    res.json({
      nexthops: dp.nexthops().map((n) => ({ id: n.id, port: n.port, ...(n.gateway !== undefined ? { gateway: n.gateway } : {}) })),
      groups: dp.groups(),
    });
  });

  r.get('/v1/dataplane/neighbors', (_req, res) => {
    res.json({ items: need(ctx).neighbors() });
  });

  r.get('/v1/dataplane/counters', (_req, res) => {
    const dp = need(ctx);
    const names = new Map(dp.ports().map((p) => [p.id, p.name]));
    const ports = dp.portCounters().map((c) => ctx.baseline.port(c));
    const drops: Record<string, bigint> = {};
    for (const p of ports) for (const [k, v] of Object.entries(p.drops)) drops[k] = (drops[k] ?? 0n) + v;
    res.json({
      clearedAt: ctx.baseline.clearedAt,
      ports: ports.map((p) => ({
        port: p.port,
        name: names.get(p.port) ?? '',
        rxPackets: p.rxPackets.toString(),
        rxBytes: p.rxBytes.toString(),
        txPackets: p.txPackets.toString(),
        txBytes: p.txBytes.toString(),
        puntPackets: p.puntPackets.toString(),
        txDrops: p.txDrops.toString(),
        drops: str(p.drops),
      })),
      workers: dp
        .workerCounters()
        .map((w) => ctx.baseline.worker(w))
        .map((w) => ({ worker: w.worker, lcore: w.lcore, busyPolls: w.busyPolls.toString(), idlePolls: w.idlePolls.toString(), sleeps: w.sleeps.toString() })),
      drops: str(drops),
    });
  });

  r.post('/v1/dataplane/counters/clear', async (_req, res) => {
    const dp = need(ctx);
    ctx.baseline.clear(dp.portCounters(), dp.workerCounters());
    await ctx.audit.append({ who: who(res), action: 'clear-counters', result: 'ok' });
    res.status(204).end();
  });
}

// /v1/nat/static, /v1/nat/pools (what is realized, with napt's pool use) and /v1/nat/sessions (napt's session
// table: read with a filter, or cleared with the same filter). Counters are decimal strings: 64-bit values do not
// fit JSON numbers exactly.
import type { Request, Router } from 'express';
import type { ApiContext } from '../../api/context.ts';
import { ApiProblem } from '../../api/problem.ts';
import { NAT, VPCS } from '../../core/keys.ts';
import { parseIp } from '../../dataplane/addr.ts';
import type { NatSessionQuery, NatStatusSource } from './status.ts';

function need(ctx: ApiContext): NatStatusSource {
  const s = ctx.services.find(NAT);
  if (!s) throw new ApiProblem(503, 'NO_NAT', 'NAT is not running in this agent');
  return s;
}

/** The query's filter (the spec has checked the shapes); an address is canonicalized, a VPC must exist. */
function query(req: Request, ctx: ApiContext): NatSessionQuery {
  const q: NatSessionQuery = {};
  const str = (k: string): string | undefined => (req.query[k] === undefined ? undefined : String(req.query[k]));
  const vpc = str('vpc');
  if (vpc !== undefined) {
    if (!ctx.services.find(VPCS)?.byName(vpc)) throw new ApiProblem(404, 'NOT_FOUND', `no realized VPC named ${vpc}`, { path: '/query/vpc' });
    q.vpc = vpc;
  }
  const peering = str('peering');
  if (peering !== undefined) q.peering = peering;
  const proto = str('proto');
  if (proto === 'tcp' || proto === 'udp' || proto === 'icmp') q.proto = proto;
  const addr = str('addr');
  if (addr !== undefined) {
    const ip = parseIp(addr);
    if (!ip) throw new ApiProblem(400, 'INVALID_VALUE', `"${addr}" is not an IP address`, { path: '/query/addr' });
    q.addr = ip.text;
  }
  return q;
}

export function natRoutes(r: Router, ctx: ApiContext): void {
  r.get('/v1/nat/static', (_req, res) => {
    const s = need(ctx);
    res.json({ dataplane: s.capabilities().static, items: s.statics() });
  });

  r.get('/v1/nat/pools', (_req, res) => {
    const s = need(ctx);
    res.json({
      dataplane: s.capabilities().stateful,
      items: s.pools().map(({ stats, ...p }) => ({ ...p, ...(stats ? { stats: { ...stats, exhausted: stats.exhausted.toString() } } : {}) })),
    });
  });

  r.get('/v1/nat/sessions', (req, res) => {
    const s = need(ctx);
    const { items, truncated } = s.sessions(query(req, ctx), Number(req.query.limit ?? 1000));
    res.json({
      truncated,
      items: items.map((x) => ({
        ...x,
        id: String(x.id),
        packetsOut: x.packetsOut.toString(),
        packetsIn: x.packetsIn.toString(),
        bytesOut: x.bytesOut.toString(),
        bytesIn: x.bytesIn.toString(),
      })),
    });
  });

  r.delete('/v1/nat/sessions', (req, res) => {
    res.json({ cleared: need(ctx).clear(query(req, ctx)) });
  });
}

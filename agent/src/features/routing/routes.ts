// /v1/cpi: the zebra plugin link and the sizes of the model it feeds.
import type { Router } from 'express';
import type { ApiContext } from '../../api/context.ts';
import { ApiProblem } from '../../api/problem.ts';
import { CPI, OVERLAY } from '../../core/keys.ts';
import type { OverlayView } from './overlay-view.ts';

/** What /v1/cpi shows when no CPI component runs in this agent. */
const ABSENT_CPI = {
  state: 'absent', endpoint: '', schemaVersion: 0, peerSchemaVersion: null, frrVersion: null, pluginInstance: null, epoch: 0,
  epochComplete: false, lastSweepRemoved: 0, stale: { entries: 0, sweepPending: false, reason: null, holding: null, since: null, maxSeconds: 0, lastSweep: null }, lastMessageAt: null, ops: {}, pendingOps: 0, malformed: {},
  peer: { pid: null, connections: { accepted: 0, refused: 0 }, refused: {}, lastRefusal: null }, logSuppressed: 0, messagesReceived: 0,
  batchesAnswered: 0, recentFailures: [], rib: { vrfs: 0, routes: 0, nexthops: 0, groups: 0 }, evpn: { macs: 0, neighbors: 0, vteps: 0, vnis: 0 },
} as const;

/** Without a routing FIB in this agent (no `cpi:` section) there is no overlay: no VPC routes, tunnels or RMACs. */
const NO_OVERLAY: OverlayView = { routes: () => undefined, vteps: () => [], rmacs: () => [], waiting: () => 0 };
const overlay = (ctx: ApiContext): OverlayView => ctx.services.find(OVERLAY) ?? NO_OVERLAY;

export function cpiRoutes(r: Router, ctx: ApiContext): void {
  // /v1/overlay/*: what the FIB made of zebra's EVPN routes (routes per VPC, tunnels, router MACs).
  r.get('/v1/overlay/routes', (req, res) => {
    const name = String(req.query.vpc);
    const v = overlay(ctx).routes(name);
    if (!v) throw new ApiProblem(404, 'NOT_FOUND', `no VPC named ${name}`, { path: '/query/vpc' });
    res.json(v);
  });
  r.get('/v1/overlay/vteps', (_req, res) => {
    res.json({ items: overlay(ctx).vteps() });
  });
  r.get('/v1/overlay/rmacs', (_req, res) => {
    res.json({ items: overlay(ctx).rmacs() });
  });

  r.get('/v1/cpi', (_req, res) => {
    const cpi = ctx.services.find(CPI);
    res.json(cpi ? cpi.snapshot() : ABSENT_CPI);
  });
}

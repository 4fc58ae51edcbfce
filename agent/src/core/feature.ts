// How a feature plugs into the agent: the components it runs, the REST routes and the /metrics series it
// contributes, all through this one interface. The daemon, the API and /metrics walk the list in
// features/index.ts, so enabling a feature is its folder plus its line there. gwctl is a separate process that
// must not load agent code: it finds a feature's commands in features/<f>/cli.ts by itself (cli/main.ts).
import type { Router } from 'express';
import type { Registry as PromRegistry } from 'prom-client';
import type { ApiContext } from '../api/context.ts';
import type { Condition } from '../config/conditions.ts';
import type { DesiredState } from '../config/model.ts';
import type { Component, DaemonContext, Key } from './daemon.ts';

/** Late-bound lookup of the services components provide: one may be absent (no boot section) or not started. */
export interface Services {
  find<T>(k: Key<T>): T | undefined;
}

/** What a feature's collectors register with. */
export interface Collectors {
  readonly registry: PromRegistry;
  readonly services: Services;
  /** Runs before each scrape: a series cannot be added while the registry is being collected. */
  beforeScrape(fn: () => void): void;
}

export interface FeatureModule {
  readonly name: string;
  /** The `mod` names its components log under: PUT /v1/log-levels accepts only registered names. */
  readonly logComponents?: readonly string[];
  /** Components in start order; none when the feature's boot section is absent. */
  components?(ctx: DaemonContext): Component[];
  /** Removes what an agent of this instance that died without stopping left behind (its processes, XDP
   *  programs on the ports' netdevs, sockets). Runs for every feature, in reverse feature order, once the state lock
   *  is held and before any feature's component starts (core/leftovers.ts). */
  clearLeftovers?(ctx: DaemonContext): Promise<void>;
  /** Conditions of the running system for GET /v1/status (type Healthy): a False one makes the status
   *  degraded and names why. `applied` is the document in force (what should be up). Called at most once per
   *  second whatever the poll rate (api/health.ts), so a check may ask FRR. */
  health?(services: Services, applied: DesiredState | null): Promise<Condition[]>;
  /** REST routes (each must be in openapi/gateway.yaml: requests and responses are validated against it). */
  routes?(r: Router, api: ApiContext): void;
  /** /metrics series, read from the feature's services at scrape time (cheaply: see docs/adding-a-feature.md). */
  collectors?(c: Collectors): void;
}

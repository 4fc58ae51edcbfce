// What the control-plane interface (zebra plugin <-> agent) reports to operators: served by the management
// API (`show cpi`), the CLI and /metrics. The CPI component owns the values; readers only call snapshot().

import type { StaleStatus } from './stale.ts';

export type CpiConnectionState =
  /** No plugin has connected since the agent started. */
  | 'waiting'
  /** Handshake done; the plugin is replaying zebra's state (epoch not complete yet). */
  | 'syncing'
  /** Handshake done and the current epoch is complete: the FIB mirrors zebra. */
  | 'established'
  /** The plugin went silent (zebra stopped or restarted); the last state keeps forwarding until resync. */
  | 'lost';

/** Per message op (ROUTE_INSTALL, MAC_DELETE, ...): how many were received and how they ended. */
export interface CpiOpCounters {
  received: number;
  ok: number;
  failed: number;
}

/** One refused or invalid op, kept in a bounded ring so operators can see why zebra shows a route rejected. */
export interface CpiFailure {
  /** ISO-8601 time the failure was answered. */
  at: string;
  op: string;
  /** What the op was about, e.g. "vrf 0 10.1.0.0/24" or "mac 02:00:00:00:0b:0b vni 100". */
  subject: string;
  /** Stable result code as sent to the plugin (see wire/schema.yaml `results`). */
  code: string;
  reason: string;
}

export interface CpiPeerStatus {
  /** pid of the zebra holding (or that last held) the session, as verified by the kernel; null before. */
  pid: number | null;
  /** Socket connections whose kernel credentials named a zebra process (accepted) or not (refused). */
  connections: { accepted: number; refused: number };
  /** Refusals by code: not_zebra (connection), peer_busy and not_authenticated (HELLO, wire error codes). */
  refused: Record<string, number>;
  /** The newest refusal; null before. */
  lastRefusal: { at: string; reason: string } | null;
}

export interface CpiStatus {
  state: CpiConnectionState;
  /** ZeroMQ endpoint the agent listens on. */
  endpoint: string;
  /** Wire schema version of this agent. */
  schemaVersion: number;
  /** Schema version / FRR version / instance id the connected plugin announced in its HELLO; null before. */
  peerSchemaVersion: number | null;
  frrVersion: string | null;
  pluginInstance: string | null;
  /** Epoch of the current (or last) plugin session; each (re)connect starts a new one. */
  epoch: number;
  epochComplete: boolean;
  /** Entries removed by the last mark-and-sweep (present before the epoch, not re-announced). */
  lastSweepRemoved: number;
  /** Entries of a lost epoch still forwarding, and why their sweep waits. */
  stale: StaleStatus;
  /** ISO-8601 time of the last message from the plugin; null before. */
  lastMessageAt: string | null;
  /** Counters keyed by op name. */
  ops: Record<string, CpiOpCounters>;
  /** Ops received but not yet answered (waiting for the dataplane). */
  pendingOps: number;
  /** Messages that failed decoding or validation, keyed by error code (each answered with an error reply). */
  malformed: Record<string, number>;
  /** Who holds the plugin session and who was turned away (agent/src/features/routing/peer-auth.ts). */
  peer: CpiPeerStatus;
  /** Warning lines withheld by the rate limit (the counters above still count every event). */
  logSuppressed: number;
  messagesReceived: number;
  batchesAnswered: number;
  /** Newest last, at most 100. */
  recentFailures: CpiFailure[];
  /** Sizes of the agent's model. */
  rib: { vrfs: number; routes: number; nexthops: number; groups: number };
  evpn: { macs: number; neighbors: number; vteps: number; vnis: number };
}

export interface CpiStatusSource {
  snapshot(): CpiStatus;
}

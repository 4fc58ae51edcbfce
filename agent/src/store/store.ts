// The config store: an append-only sequence of generations with compare-and-swap on the newest one.
// Backends: file (embedded, default) and etcd (a gateway pair shares one desired state). The config service is
// the only writer in the agent; the store makes concurrent writers of different agents safe (CAS).
import type { DesiredState } from '../config/model.ts';

export interface StoredGeneration {
  generation: number;
  spec: DesiredState;
  /** ISO-8601. */
  createdAt: string;
  author: string;
  /** Set when this generation restores an older one. */
  rollbackOf?: number;
}

export type NewGeneration = Omit<StoredGeneration, 'generation'>;

export interface StoreHealth {
  healthy: boolean;
  detail?: string;
}

export type StoreErrorCode = 'STALE_GENERATION' | 'STORE_UNAVAILABLE' | 'STORE_CORRUPT';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** Newest generation the store holds (STALE_GENERATION). */
    readonly current?: number,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface ConfigStore {
  readonly kind: 'file' | 'etcd';
  open(): Promise<void>;
  close(): Promise<void>;
  /** Newest generation, or null when nothing was ever stored. */
  latest(): Promise<StoredGeneration | null>;
  get(generation: number): Promise<StoredGeneration | null>;
  /** Newest first. */
  list(limit: number): Promise<StoredGeneration[]>;
  /**
   * Stores `next` as generation `expected + 1` if the newest stored generation is still `expected`
   * (0 = empty store); durable when the promise resolves. Throws StoreError STALE_GENERATION otherwise.
   */
  commit(expected: number, next: NewGeneration): Promise<StoredGeneration>;
  health(): StoreHealth;
  /** Called with generations other writers (other agents) committed; file stores never call it. */
  onExternalCommit(cb: (g: StoredGeneration) => void): void;
}

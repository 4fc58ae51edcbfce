// The features' health conditions for GET /v1/status, computed at most once per second: status polls (gwctl,
// monitoring, the lab job) then cost one round of checks per second however many pollers there are, and
// concurrent requests share the round in flight.
import type { Condition } from '../config/conditions.ts';
import type { DesiredState } from '../config/model.ts';
import type { FeatureModule, Services } from '../core/feature.ts';

const MAX_AGE_MS = 1000;

export class HealthChecks {
  private last: { at: number; generation: number; value: Promise<Condition[]> } | null = null;

  constructor(
    private readonly features: readonly FeatureModule[],
    private readonly services: Services,
  ) {}

  /** `generation`: of `applied`; a new one in force is checked at once (what should be up changed). */
  get(applied: DesiredState | null, generation = 0): Promise<Condition[]> {
    if (this.last && this.last.generation === generation && Date.now() - this.last.at < MAX_AGE_MS) return this.last.value;
    const value = Promise.all(
      this.features.map((f) =>
        (f.health?.(this.services, applied) ?? Promise.resolve([])).catch((e: unknown): Condition[] => [
          { object: `feature/${f.name}`, type: 'Healthy', status: 'Unknown', reason: 'CheckFailed', message: (e as Error).message },
        ]),
      ),
    ).then((xs) => xs.flat());
    this.last = { at: Date.now(), generation, value };
    return value;
  }
}

// ConfigConsumer: the interface of every part that realizes desired state (FRR renderer, dataplane ports and
// routes, routing managers). The config service calls them; they never read the store themselves.
//
// Apply is atomic across consumers (the Hedgehog-style whole-config apply, see docs/config.md):
//   1. validate: every consumer's validate() runs on the candidate; all problems from all consumers are
//      collected and the generation is refused before anything changes if there is one.
//   2. apply: consumers run in registration order (= component start order). apply(next, prev) must bring
//      the consumer from whatever it realizes now to `next`, idempotently (it is also called with
//      prev === null at start and to re-apply the same generation).
//   3. on the first failure, every consumer already applied (including the failing one, which may be half
//      way) is re-applied with the previous generation, in reverse order, so the previous generation is
//      fully in force again; the failure is reported as a REFUSED problem naming the consumer.
// A consumer that cannot return to the previous generation either is a bug: its re-apply error is logged and
// reported in the status as `rollbackErrors`, never hidden.
import { emptyState, type DesiredState, type Generation } from './model.ts';
import type { Feature } from './features.ts';
import { problem, type Problem } from './problem.ts';

export interface ConfigConsumer {
  /** Short name for status and errors ("frr", "dataplane"). */
  readonly name: string;
  /** Document features this consumer realizes; a feature nobody realizes is refused with NOT_SUPPORTED. */
  readonly realizes?: readonly Feature[];
  /**
   * Ports this consumer runs outside the document (the boot file's): the document may use them as next-hop or
   * BGP source ports, and their addresses are the gateway's own as much as the document's ports' are.
   */
  readonly fixedPorts?: readonly FixedPort[];
  /** Checks this consumer can realize `next` (capacity, devices that exist ...). Pure, no side effects. */
  validate?(next: DesiredState): Problem[];
  /** Makes `next` the realized state. Throws (preferably ConsumerRefusal) to refuse it. */
  apply(next: Generation, prev: Generation | null): Promise<void>;
}

export interface FixedPort {
  name: string;
  /** Kernel interface (punt tap) FRR sees for it. */
  tapName: string;
  /** The gateway's addresses on it, with prefix length ("10.0.1.1/24"). */
  addresses: readonly string[];
}

/** A consumer's refusal with the offending path in the document. */
export class ConsumerRefusal extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** What consumers register with; provided by the config component under the CONFIG registry key. */
export interface ConfigHub {
  addConsumer(c: ConfigConsumer): void;
  /** The generation currently in force (null before the first apply). */
  applied(): Generation | null;
}

export interface ApplyResult {
  ok: boolean;
  /** Validation or refusal problems; empty when ok. */
  problems: Problem[];
  /** Consumers that failed to return to the previous generation after a refusal. */
  rollbackErrors: { consumer: string; detail: string }[];
}

export function validateWithConsumers(consumers: readonly ConfigConsumer[], next: DesiredState): Problem[] {
  const out: Problem[] = [];
  for (const c of consumers) {
    try {
      out.push(...(c.validate?.(next) ?? []));
    } catch (e) {
      out.push(problem('REFUSED', '', `${c.name}: validate failed: ${(e as Error).message}`));
    }
  }
  return out;
}

/** Applies `next` to every consumer or to none (see the file comment). */
export async function applyAtomically(
  consumers: readonly ConfigConsumer[],
  next: Generation,
  prev: Generation | null,
): Promise<ApplyResult> {
  const problems = validateWithConsumers(consumers, next.spec);
  if (problems.length > 0) return { ok: false, problems, rollbackErrors: [] };
  const touched: ConfigConsumer[] = [];
  for (const c of consumers) {
    touched.push(c);
    try {
      await c.apply(next, prev);
    } catch (e) {
      const path = e instanceof ConsumerRefusal ? e.path : '';
      const refusal = problem('REFUSED', path, `${c.name}: ${(e as Error).message}`);
      const rollbackErrors: ApplyResult['rollbackErrors'] = [];
      // Before the first successful apply, "previous" is the unconfigured gateway (generation 0).
      const back = prev ?? { generation: 0, spec: emptyState() };
      for (const done of touched.reverse()) {
        try {
          await done.apply(back, next);
        } catch (re) {
          rollbackErrors.push({ consumer: done.name, detail: (re as Error).message });
        }
      }
      return { ok: false, problems: [refusal], rollbackErrors };
    }
  }
  return { ok: true, problems: [], rollbackErrors: [] };
}

// Compile-time guard: the OpenAPI `Config` schema (generated types) and the hand-written model must describe
// the same document. If either drifts, `tsc --noEmit` fails here, not at run time in front of an operator.
import type { components } from '../api/openapi.gen.ts';
import type { DesiredState } from './model.ts';

export type SpecConfig = components['schemas']['Config'];

type Assignable<A, B> = [A] extends [B] ? true : false;
export const specToModel: Assignable<SpecConfig, DesiredState> = true;
export const modelToSpec: Assignable<DesiredState, SpecConfig> = true;

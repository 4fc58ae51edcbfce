// Compile-time guards for shapes other components own and the API serves as is: if CpiStatus (agent/src/cpi)
// or FrrSnapshot (agent/src/frr) change, `tsc` fails here until openapi/gateway.yaml follows.
import type { CpiStatus } from '../features/routing/status.ts';
import type { FrrSnapshot } from '../features/frr/status.ts';
import type { components } from './openapi.gen.ts';

type Assignable<A, B> = [A] extends [B] ? true : false;
type S = components['schemas'];

export const cpiStatusInSpec: Assignable<CpiStatus, S['CpiStatus']> = true;
export const frrSnapshotInSpec: Assignable<FrrSnapshot, S['FrrStatus']> = true;

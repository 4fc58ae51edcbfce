// vpc-gatewayd: one Node process = control thread of the DPDK dataplane + agent + API.
import { FEATURE_MODULES } from './features/index.ts';
import { runDaemon } from './run.ts';

void runDaemon(FEATURE_MODULES);

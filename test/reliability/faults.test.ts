import { describe } from 'vitest';
import { faultInvariants } from './fault-suite.ts';
import { seedFromEnv } from './fault-tree.ts';

// 100 services under nested supervisors, 500 faults, on simulated time (a few seconds of wall
// time). hang-onStart is run by pending-unbounded-starts.test.ts until starts are bounded.
describe('a mixed tree under 500 injected faults', () => {
  faultInvariants({ services: 100, faults: 500, seed: seedFromEnv(1), without: ['hang-onStart'] });
});

import { describe } from 'vitest';
import { faultInvariants } from './fault-suite.ts';
import { seedFromEnv } from './fault-tree.ts';

// PENDING (excluded in vitest.config.ts): an onStart that hangs past grace never ends its start,
// so the child stays `starting` and its supervisor's decision queue is blocked for good. Move
// back into faults.test.ts once starts are bounded.
describe('a mixed tree under 500 injected faults, hangs in onStart included', () => {
  faultInvariants({ services: 100, faults: 500, seed: seedFromEnv(1) });
});

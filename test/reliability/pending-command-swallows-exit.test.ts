import { describe } from 'vitest';
import { faultInvariants } from './fault-suite.ts';
import { seedFromEnv } from './fault-tree.ts';

// PENDING (excluded in vitest.config.ts), a defect this suite found: a command queued behind a
// restart (child.start here) runs after a child ended on its own but before the supervisor
// decided that end; the command starts a new generation, and the queued exit is then dropped as
// stale: no child.killed, no child.failed for a generation killed after ctx.fail + hang. Seed 7
// shows it on s23 (gen 2 ends unreported, `child.started ... manual` follows).
describe('a mixed tree under 500 injected faults (seed 7)', () => {
  faultInvariants({ services: 100, faults: 500, seed: seedFromEnv(7), without: ['hang-onStart'] });
});

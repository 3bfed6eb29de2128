/**
 * The test kit as a plain program: a poller that fails one second into every run, under a
 * supervisor that allows 3 restarts in 5 s, run on simulated time. It prints the timeline of
 * reports (each at its simulated millisecond), checks it with node:assert, and ends in well
 * under a second of real time, though it covers five simulated seconds.
 *
 * Run: node --import tsx examples/testing/main.ts
 */
import assert from 'node:assert/strict';
import { createService, createSupervisor } from '../../src/index.ts';
import { createTestSystem } from '../../src/testing/index.ts';

const poller = createService({
  id: 'poller',
  minPeriod: 1_000,
  maxFailures: 0, // the first failure ends the run
  iterate(ctx) {
    if (ctx.iteration === 1) throw new Error('upstream down');
  },
});
const workers = createSupervisor({
  id: 'workers',
  strategy: 'one-for-one',
  maxRestarts: 3,
  restartWindow: 5_000,
  children: [poller],
});
const root = createSupervisor({ id: 'root', maxRestarts: 0, children: [workers] });

const t = createTestSystem(root, { now: 0 });
try {
  await t.start();
  await t.advance(5_000);
  for (const r of t.reports) {
    console.log(`${String(r.time).padStart(5)} ms  ${r.type} ${r.path.join('/') || '(root)'}`);
  }
  const storm = t.reports.find((r) => r.type === 'supervisor.intensity-exceeded');
  assert.equal(storm?.time, 4_000);
  console.log(`root: ${t.tree().state}; ${t.logs.length} log records captured`);
} finally {
  await t.shutdown();
}
console.log('done: 5 simulated seconds checked');

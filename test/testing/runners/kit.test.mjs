// One test file for every runner: vitest (--globals), jest and node:test run it as it is.
// It imports the built package the way a user's project does, and asserts with node:assert.
import assert from 'node:assert/strict';
import { createService, createSupervisor } from 'xstate-supervisor';
import { createTestSystem } from 'xstate-supervisor/testing';

// The runner's `it` when it has globals (vitest --globals, jest), else node:test's.
const it = globalThis.it ?? (await import('node:test')).it;

/** A promise on simulated time: the test system fakes the global setTimeout. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

it('starts a loop iteration every minPeriod on simulated time, never early', async () => {
  const starts = [];
  const loop = createService({
    id: 'loop',
    minPeriod: 1_000,
    async iterate() {
      starts.push(Date.now());
      await sleep(300);
    },
  });
  const t = createTestSystem(createSupervisor({ id: 'root', children: [loop] }), { now: 0 });
  try {
    await t.start();
    await t.advance(2_999);
    assert.deepEqual(starts, [0, 1_000, 2_000]);
    await t.advance(1);
    assert.deepEqual(starts, [0, 1_000, 2_000, 3_000]);
  } finally {
    await t.shutdown();
  }
});

it('escalates a restart storm at the fourth failure within the window', async () => {
  const poller = createService({
    id: 'poller',
    minPeriod: 1_000,
    maxFailures: 0,
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
    await t.advance(3_999);
    assert.equal(t.tree().state, 'running');
    await t.advance(1);
    const storm = t.reports.find((r) => r.type === 'supervisor.intensity-exceeded');
    assert.deepEqual([storm?.id, storm?.time], ['workers', 4_000]);
    assert.equal(t.tree().state, 'failed');
  } finally {
    await t.shutdown();
  }
});

it('gives the real clock back after shutdown', async () => {
  const before = Date.now();
  const t = createTestSystem(createSupervisor({ id: 'root', children: [] }), { now: 0 });
  assert.equal(Date.now(), 0);
  await t.shutdown();
  assert.ok(Date.now() >= before);
});

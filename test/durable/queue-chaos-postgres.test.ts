/**
 * Issue 16's kill test on PostgreSQL, scaled down to run in npm test (the full 10,000 jobs run
 * in `npm run bench -- durable`): three replica processes, a random running one SIGKILLed
 * and restarted after each 150 jobs done (up to five times, so a fast and a starved machine
 * see the same kills); every job is done, none lost, duplicates bounded by the kills.
 */
import { afterAll, expect, it } from 'vitest';
import { chaosRun } from './queue-chaos.ts';
import { testBackend } from './queue-helpers.ts';

const backend = testBackend('postgres');
afterAll(() => backend.cleanup());

it('completes every job while replicas are SIGKILLed and restarted: none lost, duplicates bounded by the kills', async () => {
  const r = await chaosRun(backend, {
    jobs: 1_000,
    replicas: 3,
    concurrency: 4,
    killEvery: 2_000,
    killEveryJobs: 150,
    maxKills: 5,
    timeout: 50_000,
  });
  expect(r.notDone).toBe(0);
  expect(r.lost).toBe(0);
  expect(r.kills).toBeGreaterThan(0);
  expect(r.duplicates).toBeLessThanOrEqual(r.bound);
}, 60_000);

import { describe, expect, it } from 'vitest';
import { sigtermWithQueuedJobs } from './queued-jobs.ts';

describe('SIGTERM with queued jobs', () => {
  it('hands every one of 100 queued jobs to the handler or to onDiscard, none twice, none lost', async () => {
    // 20 ms a job, 4 at once, 200 ms of grace: the stop cannot drain them all.
    const r = await sigtermWithQueuedJobs(100, 20);
    expect(r, r.stderr).toMatchObject({ jobs: 100, lost: 0, twice: 0, exitCode: 0 });
    expect(r.handled + r.discarded).toBe(100);
    expect(r.discarded).toBeGreaterThan(0);
  });
});

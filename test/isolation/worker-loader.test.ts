/**
 * A worker-thread service whose module is TypeScript loads it through tsx, whose esbuild
 * service is a child process started by the thread's loader. With a cold cache every thread
 * starts one; none may outlive its thread, not even as a zombie (issue 11, defect 21).
 * Its own file: the test reads this process's children, so nothing else may run here.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { createSupervisor, getTree, shutdown, silentLogger } from '../../src/index.ts';
import { createWorkerService } from '../../src/isolation/worker-service.ts';
import { liveWorkerThreads } from '../../src/testing/index.ts';
import { childProcesses, until } from './process-helpers.ts';

const esbuilds = () => childProcesses().filter((c) => c.comm === 'esbuild');

let cache: string | undefined;
beforeAll(() => {
  // A cold tsx cache for every thread: each one must transform, so each starts esbuild.
  cache = process.env.TSX_DISABLE_CACHE;
  process.env.TSX_DISABLE_CACHE = '1';
});
afterAll(() => {
  if (cache === undefined) delete process.env.TSX_DISABLE_CACHE;
  else process.env.TSX_DISABLE_CACHE = cache;
});

describe('worker-thread services loaded through tsx', () => {
  it('leave no esbuild process, not even a zombie, after a crash, hard resets and a shutdown', async () => {
    const channelName = `worker-loader-${process.pid}`;
    const reports: { event: string; generation: number }[] = [];
    const channel = new BroadcastChannel(channelName);
    channel.onmessage = (e) => reports.push((e as { data: (typeof reports)[number] }).data);
    const service = createWorkerService({
      id: 'ts-job',
      module: new URL('../fixtures/workers/report.ts', import.meta.url),
      // Generation 0's thread crashes on its own (its loader is reaped as the thread exits);
      // the hard resets terminate the next ones; the shutdown stops the last one gracefully.
      workerData: { channel: channelName, mode: 'crash-gen0' },
      maxFailures: 0,
      pause: 5,
    });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 10,
      children: [service],
      logger: silentLogger,
    });
    const actor = createActor(root).start();
    const seen = new Set<number>();
    const iterating = async (generation: number) => {
      await until(
        () => reports.some((r) => r.event === 'iterate' && r.generation === generation),
        10_000,
        `generation ${generation} iterating`,
      );
      for (const c of esbuilds()) if (c.state !== 'Z') seen.add(c.pid);
    };
    try {
      await iterating(0);
      await iterating(1); // after the crash and the supervisor's restart
      for (const generation of [2, 3]) {
        actor.send({ type: 'child.hard-reset', id: 'ts-job' });
        await iterating(generation);
      }
      expect(getTree(actor).children?.[0]).toMatchObject({ state: 'running', generation: 3 });
    } finally {
      await shutdown(actor);
      channel.close();
    }
    await until(() => liveWorkerThreads(service) === 0, 2_000, 'no thread left');
    // The cold cache made the threads start esbuild: the case the test is about did happen.
    expect(seen.size).toBeGreaterThanOrEqual(3);
    expect(esbuilds()).toEqual([]);
  }, 60_000); // four cold tsx loads: slow when both cores are busy
});

/**
 * A child's own exit (a failure, a kill) is reported once, whatever decision gets to the child
 * first: a command queued before the exit, a shutdown, a restart by hand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  type SupervisorReport,
  silentLogger,
} from '../../src/index.ts';
import { advanceInSteps } from '../helpers/async.ts';
import { shutdownInSteps } from '../helpers/supervisor.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A service whose onStop takes `ms` (to keep the supervisor's queue busy with its stop). */
function slowToStop(id: string, ms: number) {
  return createService({
    id,
    minPeriod: 10,
    gracePeriod: 10_000,
    iterate() {},
    onStop: () => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}

/** A service that, in generation 0, fails at `at` ms (ctx.fail past maxFailures), then hangs. */
function failsThenHangs(id: string, at: number, gracePeriod = 100) {
  return createService({
    id,
    maxFailures: 0,
    gracePeriod,
    minPeriod: 10,
    async iterate(ctx) {
      if (ctx.generation > 0) return;
      await new Promise((resolve) => setTimeout(resolve, at));
      ctx.fail(new Error(`${id} failed`));
      await new Promise(() => {});
    },
  });
}

function start(children: ReturnType<typeof createService>[]) {
  const actor = createActor(
    createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      maxRestarts: 10,
      logger: silentLogger,
      children,
    }),
  );
  const reports: string[] = [];
  actor.on('*', (r) => {
    const report = r as unknown as SupervisorReport;
    reports.push(`${report.type} ${report.id}@${report.generation}`);
  });
  actor.start();
  return { actor, reports };
}

describe("a child's own exit that a decision reaches first", () => {
  it('is reported when a child.restart queued before it runs after it (not swallowed as stale)', async () => {
    // a's stop keeps the queue busy until 100 ms; the restart of b waits behind it; b fails
    // on its own at 50 ms (its exit queued behind the restart).
    const { actor, reports } = start([
      slowToStop('a', 100),
      createService({
        id: 'b',
        maxFailures: 0,
        minPeriod: 10,
        async iterate(ctx) {
          if (ctx.generation > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw new Error('b failed');
        },
      }),
    ]);
    await advanceInSteps(5, 5);
    actor.send({ type: 'child.stop', id: 'a' });
    await advanceInSteps(5, 5);
    actor.send({ type: 'child.restart', id: 'b' });
    await advanceInSteps(300, 5);
    expect(reports.filter((r) => r.endsWith(' b@0') || r.endsWith(' b@1'))).toEqual([
      'child.started b@0',
      'child.failed b@0',
      'child.restarted b@1',
    ]);
    expect(getTree(actor).children?.[1]).toMatchObject({ state: 'running', generation: 1 });
    await shutdownInSteps(actor, 500, 5);
  });

  it('is waited for by child.restart while the child is stopping on its own: killed, failed, then restarted', async () => {
    const { actor, reports } = start([failsThenHangs('b', 0)]);
    await advanceInSteps(10, 5);
    expect(getTree(actor).children?.[0]?.state).toBe('stopping');
    actor.send({ type: 'child.restart', id: 'b' });
    await advanceInSteps(300, 5);
    expect(reports).toEqual([
      'child.started b@0',
      'child.killed b@0',
      'child.failed b@0',
      'child.restarted b@1',
    ]);
    await shutdownInSteps(actor, 500, 5);
  });

  it('is reported, after its kill, when the supervisor shuts down while the child is failing', async () => {
    const { actor, reports } = start([failsThenHangs('b', 0)]);
    await advanceInSteps(10, 5);
    expect(getTree(actor).children?.[0]?.state).toBe('stopping');
    await shutdownInSteps(actor, 500, 5);
    expect(reports).toEqual(['child.started b@0', 'child.killed b@0', 'child.failed b@0']);
    expect(getTree(actor).children?.[0]?.state).toBe('failed');
  });

  it('is reported when a failed start rolls back a child that had already begun to fail', async () => {
    const { actor, reports } = start([
      // Fails in its very first iteration, before the supervisor starts b.
      createService({
        id: 'a',
        maxFailures: 0,
        gracePeriod: 100,
        iterate(ctx) {
          ctx.fail(new Error('a failed'));
          return new Promise(() => {});
        },
      }),
      createService({
        id: 'b',
        iterate() {},
        onStart() {
          throw new Error('b cannot start');
        },
      }),
    ]);
    await advanceInSteps(300, 5);
    expect(reports).toEqual([
      'child.started a@0',
      'child.failed b@0',
      'child.killed a@0',
      'child.failed a@0',
    ]);
    expect(getTree(actor).state).toBe('failed');
  });

  it('is reported when child.stop reaches a child that is failing on its own', async () => {
    const { actor, reports } = start([failsThenHangs('b', 0)]);
    await advanceInSteps(10, 5);
    actor.send({ type: 'child.stop', id: 'b' });
    await advanceInSteps(300, 5);
    expect(reports).toEqual(['child.started b@0', 'child.killed b@0', 'child.failed b@0']);
    // Stopped by hand: not restarted.
    expect(getTree(actor).children?.[0]).toMatchObject({ state: 'failed', generation: 0 });
    await shutdownInSteps(actor, 500, 5);
  });
});

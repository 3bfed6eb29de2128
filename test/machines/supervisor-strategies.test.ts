import { afterEach, describe, expect, it } from 'vitest';
import { getTree, shutdown } from '../../src/index.ts';
import {
  nextReport,
  reach,
  type Started,
  startSupervisor,
  type Timeline,
  tracked,
} from '../helpers/supervisor.ts';

let running: Started | undefined;
afterEach(async () => {
  if (running) await shutdown(running.actor);
  running = undefined;
});

/** A service that fails (beyond maxFailures 0) on its first iteration of the given generations. */
function failsIn(timeline: Timeline, id: string, generations: number[], extra = {}) {
  return tracked(timeline, {
    id,
    maxFailures: 0,
    iterate(ctx) {
      if (generations.includes(ctx.generation) && ctx.iteration === 0)
        throw new Error(`${id} broke`);
    },
    ...extra,
  });
}

function generations(s: Started): Record<string, number> {
  return Object.fromEntries((getTree(s.actor).children ?? []).map((c) => [c.id, c.generation]));
}

describe('one-for-all (LoopController reset)', () => {
  it('stops every resetGlobally sibling in reverse order, calls onReset once, then starts all in order', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        onReset: () => {
          timeline.push('onReset');
        },
        children: [
          tracked(timeline, { id: 'a' }),
          failsIn(timeline, 'b', [1]),
          tracked(timeline, { id: 'c' }),
        ],
      },
      timeline,
    );
    await reach(running.actor, 'running');
    timeline.length = 0;
    const restartedC = nextReport(running.actor, 'child.restarted', (r) => r.id === 'c');
    running.actor.send({ type: 'child.restart', id: 'b' }); // generation 1 of b fails at once
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'b');
    await restartedC;
    // The manual restart of b, then its failure drives the group restart.
    const group = timeline.slice(timeline.indexOf('child.failed b'));
    expect(group).toEqual([
      'child.failed b',
      'onStop c@0',
      'child.stopped c',
      'onStop a@0',
      'child.stopped a',
      'onReset',
      'onStart a@1',
      'child.restarted a',
      'onStart b@2',
      'child.restarted b',
      'onStart c@1',
      'child.restarted c',
    ]);
    expect(generations(running)).toEqual({ a: 1, b: 2, c: 1 });
  });

  it('leaves a resetGlobally: false sibling running with its generation, yet its own failure resets the rest', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        children: [
          tracked(timeline, { id: 'a' }),
          failsIn(timeline, 'b', [1]),
          failsIn(timeline, 'loner', [1], { resetGlobally: false }),
        ],
      },
      timeline,
    );
    await reach(running.actor, 'running');
    running.actor.send({ type: 'child.restart', id: 'b' });
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'b' && r.generation === 2);
    expect(generations(running)).toEqual({ a: 1, b: 2, loner: 0 });
    expect(timeline).not.toContain('onStop loner@0');

    // The loner's own failure triggers the strategy: everyone is restarted.
    const aRestarted = nextReport(
      running.actor,
      'child.restarted',
      (r) => r.id === 'a' && r.generation === 2,
    );
    running.actor.send({ type: 'child.restart', id: 'loner' });
    await aRestarted;
    await nextReport(
      running.actor,
      'child.restarted',
      (r) => r.id === 'loner' && r.generation === 2,
    );
    expect(generations(running)).toMatchObject({ a: 2, loner: 2 });
  });
});

describe('group restarts and restart types', () => {
  it('stops a temporary sibling in a one-for-all restart and never starts it again (OTP)', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        children: [
          tracked(timeline, { id: 'once', restart: 'temporary' }),
          failsIn(timeline, 'b', [1]),
        ],
      },
      timeline,
    );
    await reach(running.actor, 'running');
    running.actor.send({ type: 'child.restart', id: 'b' });
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'b' && r.generation === 2);
    expect(timeline).toContain('onStop once@0');
    expect(timeline).not.toContain('onStart once@1');
    expect(getTree(running.actor).children?.[0]).toMatchObject({
      id: 'once',
      state: 'stopped',
      generation: 0,
    });
  });

  it('awaits an async onReset before starting the group again', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        onReset: async () => {
          await new Promise((r) => setTimeout(r, 20));
          timeline.push('onReset done');
        },
        children: [tracked(timeline, { id: 'a' }), failsIn(timeline, 'b', [1])],
      },
      timeline,
    );
    await reach(running.actor, 'running');
    running.actor.send({ type: 'child.restart', id: 'b' });
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'b' && r.generation === 2);
    expect(timeline.indexOf('onReset done')).toBeLessThan(timeline.indexOf('onStart a@1'));
  });

  it('logs an onReset that throws and goes on with the restart', async () => {
    const timeline: Timeline = [];
    running = startSupervisor({
      id: 'root',
      onReset: () => {
        throw new Error('reset hook broke');
      },
      children: [tracked(timeline, { id: 'a' }), failsIn(timeline, 'b', [1])],
    });
    await reach(running.actor, 'running');
    running.actor.send({ type: 'child.restart', id: 'b' });
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'a');
    expect(running.logger.find('onReset threw')).toHaveLength(1);
  });
});

describe('one-for-one', () => {
  it('restarts only the failed child', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        strategy: 'one-for-one',
        onReset: () => {
          timeline.push('onReset');
        },
        children: [
          tracked(timeline, { id: 'a' }),
          failsIn(timeline, 'b', [0]),
          tracked(timeline, { id: 'c' }),
        ],
      },
      timeline,
    );
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'b');
    expect(generations(running)).toEqual({ a: 0, b: 1, c: 0 });
    expect(timeline).not.toContain('onReset');
    expect(timeline.filter((t) => t.startsWith('onStop'))).toEqual(['onStop b@0']);
  });
});

describe('rest-for-one', () => {
  it('restarts the failed child and the ones declared after it, not those before', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        strategy: 'rest-for-one',
        children: [
          tracked(timeline, { id: 'a' }),
          tracked(timeline, { id: 'b' }),
          tracked(timeline, { id: 'c' }),
        ],
      },
      timeline,
    );
    await reach(running.actor, 'running');
    const cRestarted = nextReport(running.actor, 'child.restarted', (r) => r.id === 'c');
    running.actor.send({ type: 'child.fail', id: 'b', error: new Error('b is sick') });
    await cRestarted;
    expect(generations(running)).toEqual({ a: 0, b: 1, c: 1 });
    const after = timeline.slice(timeline.indexOf('child.failed b'));
    expect(after.filter((t) => t.startsWith('onStop') || t.startsWith('onStart'))).toEqual([
      'onStop c@0',
      'onStart b@1',
      'onStart c@1',
    ]);
  });
});

describe('restart types', () => {
  it('restarts a permanent child that ends normally with ctx.stop()', async () => {
    const timeline: Timeline = [];
    running = startSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [
        tracked(timeline, {
          id: 'job',
          iterate: (ctx) => (ctx.generation === 0 ? ctx.stop() : undefined),
        }),
      ],
    });
    const r = await nextReport(running.actor, 'child.restarted');
    expect(r).toMatchObject({ id: 'job', generation: 1, reason: 'normal' });
  });

  it('does not restart a transient child after a normal stop, but does after a failure', async () => {
    const timeline: Timeline = [];
    running = startSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [
        tracked(timeline, { id: 'finite', restart: 'transient', iterate: (ctx) => ctx.stop() }),
        failsIn(timeline, 'flaky', [0], { restart: 'transient' }),
      ],
    });
    const stopped = await nextReport(running.actor, 'child.stopped', (r) => r.id === 'finite');
    expect(stopped.reason).toBe('normal');
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'flaky');
    const tree = getTree(running.actor);
    expect(tree.children?.map((c) => [c.id, c.state, c.generation])).toEqual([
      ['finite', 'stopped', 0],
      ['flaky', 'running', 1],
    ]);
  });

  it('never restarts a temporary child', async () => {
    const timeline: Timeline = [];
    running = startSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [
        failsIn(timeline, 'once', [0], { restart: 'temporary' }),
        tracked(timeline, { id: 'other' }),
      ],
    });
    await nextReport(running.actor, 'child.failed', (r) => r.id === 'once');
    await reach(running.actor, 'running');
    expect(running.reports.filter((r) => r.type === 'child.restarted')).toEqual([]);
    expect(getTree(running.actor).children?.[0]).toMatchObject({
      id: 'once',
      state: 'failed',
      generation: 0,
    });
  });
});

describe('a sibling that ends on its own during a group restart', () => {
  /** Children [b, c, a]: a fails at once, c's stop is slow, b ends while the restart waits on c. */
  function scene(timeline: Timeline, b: Omit<Parameters<typeof tracked>[1], 'id'>) {
    return startSupervisor(
      {
        id: 'root',
        children: [
          tracked(timeline, { id: 'b', ...b }),
          tracked(timeline, { id: 'c', onStop: () => new Promise((r) => setTimeout(r, 150)) }),
          failsIn(timeline, 'a', [0]),
        ],
      },
      timeline,
    );
  }

  it('leaves a transient sibling that finished normally stopped, not restarted with the group', async () => {
    const timeline: Timeline = [];
    running = scene(timeline, {
      restart: 'transient',
      async iterate(ctx) {
        await new Promise((r) => setTimeout(r, 40));
        ctx.stop();
      },
    });
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'c');
    expect(getTree(running.actor).children?.[0]).toMatchObject({
      id: 'b',
      state: 'stopped',
      generation: 0,
    });
    expect(running.reports.find((r) => r.id === 'b' && r.type === 'child.stopped')?.reason).toBe(
      'normal',
    );
    expect(timeline).not.toContain('onStart b@1');
  });

  it('reports the failure of a sibling that fails meanwhile, and restarts it with the group', async () => {
    const timeline: Timeline = [];
    running = scene(timeline, {
      maxFailures: 0,
      async iterate(ctx) {
        if (ctx.generation > 0) return;
        await new Promise((r) => setTimeout(r, 40));
        throw new Error('b broke too');
      },
    });
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'b');
    const failed = running.reports.find((r) => r.id === 'b' && r.type === 'child.failed');
    expect((failed?.reason as Error | undefined)?.message).toBe('b broke too');
    expect(getTree(running.actor).failures).toBeGreaterThanOrEqual(2);
  });
});

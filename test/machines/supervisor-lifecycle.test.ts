import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  shutdown,
  silentLogger,
} from '../../src/index.ts';
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

describe('supervisor start and stop', () => {
  it('starts children in declared order, each running before the next starts', async () => {
    const timeline: Timeline = [];
    const slow = (id: string) =>
      tracked(timeline, { id, onStart: () => new Promise((r) => setTimeout(r, 10)) });
    running = startSupervisor(
      { id: 'root', children: [slow('a'), slow('b'), slow('c')] },
      timeline,
    );
    await reach(running.actor, 'running');
    expect(timeline).toEqual([
      'onStart a@0',
      'child.started a',
      'onStart b@0',
      'child.started b',
      'onStart c@0',
      'child.started c',
    ]);
  });

  it('stops children in reverse start order on shutdown', async () => {
    const timeline: Timeline = [];
    running = startSupervisor({
      id: 'root',
      children: [
        tracked(timeline, { id: 'a' }),
        tracked(timeline, { id: 'b' }),
        tracked(timeline, { id: 'c' }),
      ],
    });
    await reach(running.actor, 'running');
    await shutdown(running.actor);
    expect(timeline.filter((t) => t.startsWith('onStop'))).toEqual([
      'onStop c@0',
      'onStop b@0',
      'onStop a@0',
    ]);
    expect(getTree(running.actor).children?.every((c) => c.state === 'stopped')).toBe(true);
    running = undefined;
  });

  it('rolls back a half-started tree when a child onStart throws at boot, then fails', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        children: [
          tracked(timeline, { id: 'a' }),
          tracked(timeline, { id: 'b' }),
          tracked(timeline, {
            id: 'c',
            onStart: () => {
              throw new Error('no database');
            },
          }),
          tracked(timeline, { id: 'd' }),
        ],
      },
      timeline,
    );
    await reach(running.actor, 'failed');
    expect(timeline.filter((t) => !t.startsWith('child.started'))).toEqual([
      'onStart a@0',
      'onStart b@0',
      'onStart c@0',
      'child.failed c',
      'onStop b@0',
      'child.stopped b',
      'onStop a@0',
      'child.stopped a',
    ]);
    const tree = getTree(running.actor);
    expect(tree.lastError?.message).toContain('could not start child "c": no database');
    expect(tree.children?.map((c) => c.state)).toEqual(['stopped', 'stopped', 'failed', 'idle']);
  });

  it('runs with no children', async () => {
    running = startSupervisor({ id: 'empty' });
    await reach(running.actor, 'running');
    expect(getTree(running.actor)).toEqual({
      id: 'empty',
      kind: 'supervisor',
      state: 'running',
      generation: 0,
      failures: 0,
      restarts: 0,
      children: [],
    });
  });

  it('handles a child that fails while later siblings start only once the start sequence has completed', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        strategy: 'one-for-one',
        children: [
          tracked(timeline, {
            id: 'early',
            maxFailures: 0,
            iterate(ctx) {
              if (ctx.generation === 0) throw new Error('early broke');
            },
          }),
          tracked(timeline, { id: 'late', onStart: () => new Promise((r) => setTimeout(r, 30)) }),
        ],
      },
      timeline,
    );
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'early');
    const failedAt = timeline.indexOf('child.failed early');
    expect(failedAt).toBeGreaterThan(timeline.indexOf('child.started late'));
  });

  it('kills a child whose stop hangs past its gracePeriod, and the group restart goes on with one generation at a time', async () => {
    const timeline: Timeline = [];
    const live = new Set<number>();
    let overlap = false;
    const stubborn = createService({
      id: 'stubborn',
      gracePeriod: 30,
      minPeriod: 5,
      async iterate(ctx) {
        live.add(ctx.generation);
        if (live.size > 1 && ctx.generation > 0)
          overlap = [...live].some((g) => g !== ctx.generation && g !== 0);
        if (ctx.generation === 0) await new Promise(() => {}); // ignores ctx.signal forever
      },
    });
    running = startSupervisor(
      {
        id: 'root',
        children: [
          stubborn,
          tracked(timeline, {
            id: 'flaky',
            maxFailures: 0,
            iterate: (ctx) => {
              if (ctx.generation === 0 && ctx.iteration === 3) throw new Error('flaky');
            },
          }),
        ],
      },
      timeline,
    );
    const killed = await nextReport(running.actor, 'child.killed');
    expect(killed).toMatchObject({ id: 'stubborn', generation: 0 });
    await nextReport(running.actor, 'child.restarted', (r) => r.id === 'flaky');
    const node = getTree(running.actor).children?.[0];
    expect(node).toMatchObject({ id: 'stubborn', state: 'running', generation: 1 });
    expect(overlap).toBe(false);
  });
});

describe('autoShutdown (GCL hub: any child ends ⇒ stop all)', () => {
  it("stops the whole supervisor when a significant child ends under 'any-significant'", async () => {
    const timeline: Timeline = [];
    running = startSupervisor({
      id: 'hub',
      autoShutdown: 'any-significant',
      children: [
        tracked(timeline, {
          id: 'w1',
          restart: 'transient',
          significant: true,
          iterate: (ctx) => (ctx.iteration === 2 ? ctx.stop() : undefined),
        }),
        tracked(timeline, { id: 'w2', restart: 'transient', significant: true }),
      ],
    });
    await reach(running.actor, 'stopped');
    expect(timeline).toContain('onStop w2@0');
    expect(getTree(running.actor).children?.map((c) => c.state)).toEqual(['stopped', 'stopped']);
  });

  it("waits for every significant child under 'all-significant'", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    running = startSupervisor({
      id: 'hub',
      autoShutdown: 'all-significant',
      children: [
        createService({
          id: 'quick',
          restart: 'transient',
          significant: true,
          iterate: (ctx) => ctx.stop(),
        }),
        createService({
          id: 'slow',
          restart: 'transient',
          significant: true,
          minPeriod: 5,
          iterate: async (ctx) => {
            await gate;
            ctx.stop();
          },
        }),
      ],
    });
    await nextReport(running.actor, 'child.stopped', (r) => r.id === 'quick');
    expect(running.actor.getSnapshot().value).toBe('running');
    release();
    await reach(running.actor, 'stopped');
  });
});

describe('reports and the tree', () => {
  it('bubbles reports up with the path from the emitting supervisor', async () => {
    const inner = createSupervisor({
      id: 'workers',
      strategy: 'one-for-one',
      children: [
        createService({
          id: 'poller',
          maxFailures: 0,
          minPeriod: 5,
          iterate: (ctx) => {
            if (ctx.generation === 0) throw new Error('poll failed');
          },
        }),
      ],
    });
    running = startSupervisor({ id: 'root', children: [inner] });
    const failed = await nextReport(running.actor, 'child.failed');
    expect(failed).toMatchObject({
      type: 'child.failed',
      id: 'poller',
      path: ['workers', 'poller'],
      generation: 0,
    });
    expect((failed.reason as Error).message).toBe('poll failed');
    const restarted = await nextReport(running.actor, 'child.restarted');
    expect(restarted).toMatchObject({
      id: 'poller',
      path: ['workers', 'poller'],
      generation: 1,
      restarts: 1,
    });
  });

  it('shows nested supervisors in getTree, children in declared order', async () => {
    const inner = createSupervisor({
      id: 'inner',
      children: [createService({ id: 'x', minPeriod: 50, iterate() {} })],
    });
    const actor = createActor(
      createSupervisor({
        id: 'root',
        children: [createService({ id: 'a', minPeriod: 50, iterate() {} }), inner],
        logger: silentLogger,
      }),
    ).start();
    await reach(actor, 'running');
    const tree = getTree(actor);
    expect(tree.children?.map((c) => [c.id, c.kind, c.state])).toEqual([
      ['a', 'service', 'running'],
      ['inner', 'supervisor', 'running'],
    ]);
    expect(tree.children?.[1]?.children?.[0]).toMatchObject({
      id: 'x',
      kind: 'service',
      state: 'running',
      generation: 0,
    });
    await shutdown(actor);
  });

  it('stops every child actor when the supervisor actor itself is stopped', async () => {
    const timeline: Timeline = [];
    const actor = createActor(
      createSupervisor({
        id: 'root',
        children: [tracked(timeline, { id: 'a' })],
        logger: silentLogger,
      }),
    ).start();
    await reach(actor, 'running');
    actor.stop();
    // Wait for the stop itself (bounded), not for 20 ms of real time a loaded machine stretches.
    await vi.waitFor(() => expect(timeline).toContain('onStop a@0'), { timeout: 5_000 });
  });
});

describe('children created in a registry (createActor with parent)', () => {
  it("are seen by the root's XState inspect observer, with the supervisor as their parent", async () => {
    const seen = new Map<string, string | undefined>();
    const actor = createActor(
      createSupervisor({
        id: 'root',
        children: [createService({ id: 'watched', minPeriod: 50, iterate() {} })],
        logger: silentLogger,
      }),
      {
        inspect: (e) => {
          if (e.type === '@xstate.snapshot') {
            const ref = e.actorRef as unknown as { id: string; _parent?: { id: string } };
            seen.set(ref.id, ref._parent?.id);
          }
        },
      },
    ).start();
    await reach(actor, 'running');
    expect(seen.get('watched')).toBe(actor.id);
    await shutdown(actor);
  });
});

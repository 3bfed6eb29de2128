import { afterEach, describe, expect, it } from 'vitest';
import { CommandError, createService, getTree, shutdown } from '../../src/index.ts';
import type { SupervisorEvent } from '../../src/machines/supervisor.ts';
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

/** The supervisor's core, as the control API reaches it. */
function core(s: Started) {
  return (
    s.actor.getSnapshot() as {
      context: { core: { command(c: SupervisorEvent, busy?: boolean): Promise<unknown> } };
    }
  ).context.core;
}

async function boot(timeline: Timeline, strategy: 'one-for-one' | 'one-for-all' = 'one-for-one') {
  running = startSupervisor(
    {
      id: 'root',
      strategy,
      maxRestarts: 1,
      children: [tracked(timeline, { id: 'a' }), tracked(timeline, { id: 'b' })],
    },
    timeline,
  );
  await reach(running.actor, 'running');
  return running;
}

describe('manual commands', () => {
  it('child.stop stops a child for good and child.start starts it as the next generation', async () => {
    const timeline: Timeline = [];
    const s = await boot(timeline);
    s.actor.send({ type: 'child.stop', id: 'a' });
    expect(await nextReport(s.actor, 'child.stopped')).toMatchObject({
      id: 'a',
      reason: 'manual',
      generation: 0,
    });
    expect(getTree(s.actor).children?.[0]?.state).toBe('stopped');
    s.actor.send({ type: 'child.start', id: 'a' });
    expect(await nextReport(s.actor, 'child.started')).toMatchObject({ id: 'a', generation: 1 });
    expect(timeline).toContain('onStart a@1');
  });

  it('child.restart restarts only that child, without counting it', async () => {
    const timeline: Timeline = [];
    const s = await boot(timeline, 'one-for-all');
    const node = await core(s).command({ type: 'child.restart', id: 'b' });
    expect(node).toMatchObject({ id: 'b', state: 'running', generation: 1 });
    expect(getTree(s.actor)).toMatchObject({ restarts: 0 });
    expect(getTree(s.actor).children?.[0]?.generation).toBe(0);
  });

  it('child.hard-reset starts the next generation without onStop/onStart', async () => {
    const timeline: Timeline = [];
    const s = await boot(timeline);
    timeline.length = 0;
    const node = await core(s).command({ type: 'child.hard-reset', id: 'a' });
    expect(node).toMatchObject({ id: 'a', state: 'running', generation: 1 });
    expect(timeline).toEqual(['child.restarted a']);
  });

  it('child.fail counts as a failure and applies the strategy', async () => {
    const timeline: Timeline = [];
    const s = await boot(timeline);
    const node = await core(s).command({
      type: 'child.fail',
      id: 'a',
      error: new Error('operator says so'),
    });
    expect(node).toMatchObject({ id: 'a', state: 'running', generation: 1 });
    expect(getTree(s.actor).restarts).toBe(1);
    const failed = s.reports.find((r) => r.type === 'child.failed');
    expect(failed?.reason).toBeInstanceOf(Error);
    expect((failed!.reason as Error).message).toBe('operator says so');
  });

  it('child.add starts a new child at the end and child.remove stops and forgets it', async () => {
    const timeline: Timeline = [];
    const s = await boot(timeline);
    await core(s).command({ type: 'child.add', child: tracked(timeline, { id: 'c' }) });
    expect(getTree(s.actor).children?.map((c) => [c.id, c.state])).toEqual([
      ['a', 'running'],
      ['b', 'running'],
      ['c', 'running'],
    ]);
    await core(s).command({ type: 'child.remove', id: 'a' });
    expect(getTree(s.actor).children?.map((c) => c.id)).toEqual(['b', 'c']);
    expect(timeline).toContain('onStop a@0');
  });

  it('refuses impossible commands with a CommandError naming the child', async () => {
    const timeline: Timeline = [];
    const s = await boot(timeline);
    await expect(core(s).command({ type: 'child.start', id: 'a' })).rejects.toMatchObject({
      code: 'ALREADY_RUNNING',
    });
    await expect(core(s).command({ type: 'child.stop', id: 'nope' })).rejects.toThrow(
      /no child "nope"/,
    );
    await core(s).command({ type: 'child.stop', id: 'a' });
    const again = core(s).command({ type: 'child.stop', id: 'a' });
    await expect(again).rejects.toBeInstanceOf(CommandError);
    await expect(again).rejects.toMatchObject({ code: 'ALREADY_STOPPED' });
    await expect(
      core(s).command({ type: 'child.add', child: createService({ id: 'b', iterate() {} }) }),
    ).rejects.toMatchObject({ code: 'DUPLICATE_CHILD' });
  });

  it('refuses a command on a child busy with another when asked to (control API), never doubling a restart', async () => {
    const timeline: Timeline = [];
    const s = await boot(timeline);
    const first = core(s).command({ type: 'child.restart', id: 'a' }, true);
    const second = core(s).command({ type: 'child.restart', id: 'a' }, true);
    await expect(second).rejects.toMatchObject({ code: 'CHILD_BUSY' });
    await first;
    expect(getTree(s.actor).children?.[0]?.generation).toBe(1);
  });

  it('queues commands sent as events on a busy child instead of dropping them', async () => {
    const timeline: Timeline = [];
    const s = await boot(timeline);
    s.actor.send({ type: 'child.restart', id: 'a' });
    s.actor.send({ type: 'child.restart', id: 'a' });
    await nextReport(s.actor, 'child.restarted', (r) => r.generation === 2);
    expect(getTree(s.actor).children?.[0]?.generation).toBe(2);
  });
});

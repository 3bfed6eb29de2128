/**
 * A user machine that throws in an action under one-for-all: its siblings restart as for a
 * service's failure, and intensity exceeded escalates.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { createSupervisor, getTree, IntensityExceededError, shutdown } from '../../src/index.ts';
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

const thrower = setup({
  actions: {
    boom: () => {
      throw new Error('boom in an action');
    },
  },
}).createMachine({ id: 'b', on: { crash: { actions: 'boom' } } });

describe('a user machine under one-for-all', () => {
  it('restarts every sibling in order when it throws in an action: generations +1, reports in order', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        children: [tracked(timeline, { id: 'a' }), thrower, tracked(timeline, { id: 'c' })],
      },
      timeline,
    );
    await reach(running.actor, 'running');
    timeline.length = 0;
    const last = nextReport(running.actor, 'child.restarted', (r) => r.id === 'c');
    running.actor.send({ type: 'child.send', id: 'b', event: { type: 'crash' } });
    await last;
    expect(timeline).toEqual([
      'child.failed b',
      'onStop c@0',
      'child.stopped c',
      'onStop a@0',
      'child.stopped a',
      'onStart a@1',
      'child.restarted a',
      'child.restarted b',
      'onStart c@1',
      'child.restarted c',
    ]);
    expect(getTree(running.actor).children!.map((c) => [c.id, c.kind, c.generation])).toEqual([
      ['a', 'service', 1],
      ['b', 'actor', 1],
      ['c', 'service', 1],
    ]);
    const failed = running.reports.find((r) => r.type === 'child.failed')!;
    expect((failed.reason as Error).message).toContain('boom in an action');
  });

  it('escalates when its failures exceed the intensity: the supervisor stops its children and fails', async () => {
    const inner = createSupervisor({ id: 'inner', maxRestarts: 1, children: [thrower] });
    running = startSupervisor({ id: 'root', maxRestarts: 0, children: [inner] });
    await reach(running.actor, 'running');
    const exceeded = nextReport(running.actor, 'supervisor.intensity-exceeded');
    const crash = () => running!.actor.system.get('inner/b')!.send({ type: 'crash' });
    const restarted = nextReport(running.actor, 'child.restarted', (r) => r.id === 'b');
    crash();
    await restarted;
    crash();
    const report = await exceeded;
    expect(report).toMatchObject({ path: ['inner'] });
    expect(report.reason).toBeInstanceOf(IntensityExceededError);
    await reach(running.actor, 'failed');
  });
});

/**
 * `formatTree()`: the CLI's `tree` listing says each service's kind and its key figure, read
 * from the `details` a real tree's `getTree()` gives, as the inspector's rows do.
 */
import { describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { formatTree } from '../../src/control/format-tree.ts';
import {
  createHttpService,
  createService,
  createSupervisor,
  getTree,
  silentLogger,
} from '../../src/index.ts';
import { reach } from '../helpers/supervisor.ts';
import { heldQueue } from '../inspector/held-queue.ts';

describe('formatTree', () => {
  it('lists each service of a kind with that kind in brackets and its key figure, plain loops as before', async () => {
    const { worker: jobs, release } = heldQueue('jobs', 10);
    const actor = createActor(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [
          jobs,
          createHttpService({ id: 'api', port: 0, serve: (_q, r) => r.end('ok') }),
          createService({ id: 'poller', minPeriod: 50, iterate() {} }),
        ],
      }),
    ).start();
    try {
      await reach(actor, 'running');
      for (let i = 0; i < 3; i++) jobs.put(i);
      await vi.waitFor(() => expect(getTree(actor).children?.[0]?.details?.inFlight).toBe(1), {
        timeout: 5_000,
        interval: 10,
      });
      const tree = getTree(actor);
      const port = tree.children?.find((c) => c.id === 'api')?.details?.port;
      const lines = formatTree(tree).split('\n');
      expect(lines[0]).toMatch(/^root\s+supervisor\s+running\s+gen 0\s+restarts 0$/);
      expect(lines[1]).toMatch(
        /^ {2}jobs\s+service\s+running\s+gen 0 {2}\[queue\] queued 2 \/ 10 · in flight 1 {2}iterations \d+$/,
      );
      expect(lines[2]).toContain(`[http] http://127.0.0.1:${port} · 0 conn`);
      expect(lines[3]).toMatch(/^ {2}poller\s+service\s+running\s+gen 0 {2}iterations \d+$/);
    } finally {
      release();
      actor.stop();
    }
  });

  it('gives supervisors and plain actors no kind badge', () => {
    const text = formatTree({
      id: 'root',
      kind: 'supervisor',
      state: 'running',
      generation: 0,
      failures: 0,
      restarts: 2,
      children: [
        {
          id: 'conn',
          kind: 'actor',
          state: 'running',
          generation: 1,
          failures: 0,
          restarts: 0,
          value: 'connected',
        },
        {
          id: 'sleeper',
          kind: 'service',
          state: 'running',
          generation: 0,
          failures: 0,
          restarts: 0,
          iterations: 1,
          details: { command: 'sleep', pid: 4242 },
        },
      ],
    });
    expect(text).toBe(
      [
        'root       supervisor  running  gen 0  restarts 2',
        '  conn     actor       running  gen 1  value connected',
        '  sleeper  service     running  gen 0  [process] pid 4242  iterations 1',
        '',
      ].join('\n'),
    );
  });
});

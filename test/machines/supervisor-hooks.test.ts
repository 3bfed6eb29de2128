/**
 * A supervisor's (and a process hub's) own `onStart` / `onStop` (GCL Looper's `add_setup` /
 * `add_finishes`, decision 0096): `onStart` before the first child starts, with a veto;
 * `onStop` after the last child stopped, once per completed `onStart`, at every restart too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  createProcessHub,
  createProcessService,
  createService,
  createSupervisor,
  getTree,
  HookCollection,
  SupervisorConfigError,
  type SupervisorHookContext,
  type SupervisorOptions,
  SupervisorStartVetoedError,
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
import { fixture, isGone, pidOf, until } from '../isolation/process-helpers.ts';

let running: Started | undefined;
afterEach(async () => {
  if (running) await shutdown(running.actor);
  running = undefined;
});

/** Hooks that write `onStart <id>@<generation>` / `onStop ...` to the timeline. */
function hooks(
  timeline: Timeline,
  id: string,
  start?: (ctx: SupervisorHookContext) => unknown,
): Pick<SupervisorOptions, 'onStart' | 'onStop'> {
  return {
    onStart: async (ctx) => {
      timeline.push(`onStart ${id}@${ctx.generation}`);
      return start?.(ctx);
    },
    onStop: (ctx) => {
      timeline.push(`onStop ${id}@${ctx.generation}`);
    },
  };
}

/** The supervisor's own exit error (what its parent, or run(), sees). */
function exitError(started: Started): unknown {
  const exit = (started.actor.getSnapshot().context as { core: { exit: unknown } }).core.exit as {
    _tag: string;
    error?: unknown;
  };
  return exit._tag === 'Failure' ? exit.error : undefined;
}

describe('a supervisor with onStart and onStop', () => {
  it('runs onStart before the first child starts and onStop after the last child stopped', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        ...hooks(timeline, 'root'),
        children: [tracked(timeline, { id: 'a' }), tracked(timeline, { id: 'b' })],
      },
      timeline,
    );
    await reach(running.actor, 'running');
    await shutdown(running.actor);
    expect(timeline).toEqual([
      'onStart root@0',
      'onStart a@0',
      'child.started a',
      'onStart b@0',
      'child.started b',
      'onStop b@0',
      'child.stopped b',
      'onStop a@0',
      'child.stopped a',
      'onStop root@0',
    ]);
  });

  it('gives the hooks the id, the generation, a logger, and onStop a signal of its own aborted at hookTimeout', async () => {
    const timeline: Timeline = [];
    const seen: { start?: SupervisorHookContext } = {};
    running = startSupervisor({
      id: 'root',
      hookTimeout: 20,
      onStart: (ctx) => {
        seen.start = ctx;
      },
      onStop: ({ signal }) => {
        timeline.push(`onStop called, signal aborted: ${signal.aborted}`);
        return new Promise<void>((resolve) =>
          signal.addEventListener(
            'abort',
            () => resolve(void timeline.push('onStop signal aborted')),
            {
              once: true,
            },
          ),
        );
      },
      children: [createService({ id: 'a', minPeriod: 5, iterate() {} })],
    });
    await reach(running.actor, 'running');
    expect(seen.start).toMatchObject({ id: 'root', generation: 0 });
    expect(seen.start?.signal.aborted).toBe(false);
    seen.start?.logger.info('from the hook');
    expect(running.logger.find('from the hook')[0]?.fields).toMatchObject({ supervisor: 'root' });
    await shutdown(running.actor);
    expect(seen.start?.signal.aborted).toBe(true);
    expect(timeline).toEqual(['onStop called, signal aborted: false', 'onStop signal aborted']);
    expect(running.logger.find('onStop did not settle within hookTimeout')).toHaveLength(1);
  });

  it('an onStart list overrunning hookTimeout: the paired onStops run before the failure is reported, even if the hook in flight ignores its signal', async () => {
    for (const honours of [false, true]) {
      const timeline: Timeline = [];
      const started = startSupervisor({
        id: `slow-${honours}`,
        hookTimeout: 20,
        onStart: [
          () => void timeline.push('open'),
          ({ signal }) =>
            new Promise((_, reject) => {
              if (honours) {
                signal.addEventListener('abort', () =>
                  setImmediate(() => reject(new Error('late boom'))),
                );
              }
            }),
        ],
        onStop: [() => void timeline.push('close'), () => void timeline.push('stop 2')],
        children: [tracked(timeline, { id: 'a' })],
      });
      started.actor.subscribe(() => {
        if (getTree(started.actor).state === 'failed' && !timeline.includes('failed')) {
          timeline.push('failed');
        }
      });
      await reach(started.actor, 'failed');
      expect(exitError(started)).toMatchObject({ code: 'SUPERVISOR_START_VETOED' });
      if (honours) {
        // Its late rejection is logged, never dropped.
        await until(() => started.logger.find('an onStart hook given up on threw').length > 0);
        expect(started.logger.find('an onStart hook given up on threw')[0]?.fields).toMatchObject({
          err: { message: 'late boom' },
        });
      }
      expect(timeline).toEqual(['open', 'close', 'failed']);
      started.actor.stop();
    }
  });

  it('a lone onStart completing after hookTimeout (once its signal is aborted) has its onStop run before the failure is reported', async () => {
    const timeline: Timeline = [];
    const started = startSupervisor({
      id: 'late',
      hookTimeout: 20,
      onStart: ({ signal }) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(void timeline.push('onStart completed'))),
        ),
      onStop: () => void timeline.push('onStop'),
      children: [tracked(timeline, { id: 'a' })],
    });
    started.actor.subscribe(() => {
      if (getTree(started.actor).state === 'failed' && !timeline.includes('failed')) {
        timeline.push('failed');
      }
    });
    await reach(started.actor, 'failed');
    expect((exitError(started) as Error).message).toBe(
      'Supervisor "late" did not start: its onStart did not settle within hookTimeout (20 ms); no child was started.',
    );
    expect(timeline).toEqual(['onStart completed', 'onStop', 'failed']);
    started.actor.stop();
  });

  it('fails the start when onStart throws: nothing started, onStop not run, a typed error', async () => {
    const timeline: Timeline = [];
    const cause = new Error('no lock');
    running = startSupervisor(
      {
        id: 'root',
        ...hooks(timeline, 'root', () => {
          throw cause;
        }),
        children: [tracked(timeline, { id: 'a' })],
      },
      timeline,
    );
    await reach(running.actor, 'failed');
    expect(timeline).toEqual(['onStart root@0']);
    const error = exitError(running);
    expect(error).toBeInstanceOf(SupervisorStartVetoedError);
    expect(error).toMatchObject({ code: 'SUPERVISOR_START_VETOED', supervisor: 'root', cause });
    expect((error as Error).message).toBe(
      'Supervisor "root" did not start: its onStart threw (no lock); no child was started.',
    );
    expect(getTree(running.actor)).toMatchObject({
      state: 'failed',
      lastError: { message: (error as Error).message },
      children: [{ id: 'a', state: 'idle' }],
    });
    expect(running.logger.find('onStart threw; the supervisor did not start')[0]?.fields.err).toBe(
      cause,
    );
  });

  it('fails the start when onStart returns false, or overruns hookTimeout', async () => {
    const timeline: Timeline = [];
    running = startSupervisor({
      id: 'vetoing',
      onStart: () => false,
      children: [tracked(timeline, { id: 'a' })],
    });
    await reach(running.actor, 'failed');
    expect(exitError(running)).toMatchObject({
      code: 'SUPERVISOR_START_VETOED',
      message:
        'Supervisor "vetoing" did not start: its onStart returned false; no child was started.',
    });
    let hangingSignal: AbortSignal | undefined;
    const hanging = startSupervisor({
      id: 'hanging',
      hookTimeout: 20,
      onStart: ({ signal }) => {
        hangingSignal = signal;
        return new Promise(() => {});
      },
      children: [tracked(timeline, { id: 'b' })],
    });
    await reach(hanging.actor, 'failed');
    expect((exitError(hanging) as Error).message).toBe(
      'Supervisor "hanging" did not start: its onStart did not settle within hookTimeout (20 ms); no child was started.',
    );
    expect(hangingSignal?.aborted).toBe(true);
    expect(timeline).toEqual([]);
    hanging.actor.stop();
  });

  it('runs onStop after a child failed to start and the started ones were rolled back', async () => {
    const timeline: Timeline = [];
    running = startSupervisor(
      {
        id: 'root',
        ...hooks(timeline, 'root'),
        children: [
          tracked(timeline, { id: 'a' }),
          tracked(timeline, {
            id: 'b',
            onStart: () => {
              throw new Error('b cannot start');
            },
          }),
        ],
      },
      timeline,
    );
    await reach(running.actor, 'failed');
    expect(timeline).toEqual([
      'onStart root@0',
      'onStart a@0',
      'child.started a',
      'onStart b@0',
      'child.failed b',
      'onStop a@0',
      'child.stopped a',
      'onStop root@0',
    ]);
  });

  it('pairs the hooks again at each restart of the supervisor by its parent', async () => {
    const timeline: Timeline = [];
    let calls = 0;
    const flaky = createService({
      id: 'flaky',
      pause: 1,
      maxFailures: 0,
      iterate() {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
    });
    const inner = createSupervisor({
      id: 'inner',
      strategy: 'one-for-one',
      maxRestarts: 0, // the first failure escalates: the parent restarts `inner`
      ...hooks(timeline, 'inner'),
      children: [flaky],
    });
    running = startSupervisor({ id: 'root', strategy: 'one-for-one', children: [inner] });
    await nextReport(running.actor, 'child.restarted', (r) => r.path.join('/') === 'inner');
    await shutdown(running.actor);
    expect(timeline).toEqual([
      'onStart inner@0',
      'onStop inner@0',
      'onStart inner@1',
      'onStop inner@1',
    ]);
  });

  it('a stop during onStart aborts its signal: it ends stopped, no child starts, onStop only if onStart completed', async () => {
    const timeline: Timeline = [];
    const giveUp = startSupervisor({
      id: 'gives-up',
      ...hooks(
        timeline,
        'gives-up',
        ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          ),
      ),
      children: [tracked(timeline, { id: 'a' })],
    });
    await new Promise((r) => setImmediate(r));
    await shutdown(giveUp.actor);
    expect(getTree(giveUp.actor).state).toBe('stopped');
    expect(timeline).toEqual(['onStart gives-up@0']);

    timeline.length = 0;
    const finishes = startSupervisor({
      id: 'finishes',
      ...hooks(
        timeline,
        'finishes',
        ({ signal }) =>
          new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => resolve(), { once: true }),
          ),
      ),
      children: [tracked(timeline, { id: 'b' })],
    });
    await new Promise((r) => setImmediate(r));
    await shutdown(finishes.actor);
    expect(getTree(finishes.actor).state).toBe('stopped');
    expect(timeline).toEqual(['onStart finishes@0', 'onStop finishes@0']);
  });

  it('pairs lists of hooks by position: the hooks before a failing onStart are undone', async () => {
    const timeline: Timeline = [];
    const onStop = new HookCollection<[SupervisorHookContext]>();
    onStop.add(() => void timeline.push('close pool'));
    onStop.add(() => void timeline.push('release lock'));
    running = startSupervisor({
      id: 'root',
      onStart: [
        () => void timeline.push('open pool'),
        () => {
          throw new Error('lock taken');
        },
      ],
      onStop,
      children: [tracked(timeline, { id: 'a' })],
    });
    await reach(running.actor, 'failed');
    expect(timeline).toEqual(['open pool', 'close pool']);
    expect(exitError(running)).toMatchObject({
      code: 'SUPERVISOR_START_VETOED',
      cause: { code: 'HOOK_FAILED' },
    });
  });

  it('logs an onStop that throws, and the stop completes', async () => {
    running = startSupervisor({
      id: 'root',
      onStop: () => {
        throw new Error('cleanup failed');
      },
      children: [createService({ id: 'a', minPeriod: 5, iterate() {} })],
    });
    await reach(running.actor, 'running');
    await shutdown(running.actor);
    expect(getTree(running.actor).state).toBe('stopped');
    const entry = running.logger.find('onStop threw; the stop completes anyway')[0];
    expect(entry?.fields.err).toMatchObject({ message: 'cleanup failed' });
  });

  it('runs onStop when the actor itself is stopped, without anyone waiting', async () => {
    const timeline: Timeline = [];
    const started = startSupervisor({
      id: 'root',
      ...hooks(timeline, 'root'),
      children: [createService({ id: 'a', minPeriod: 5, iterate() {} })],
    });
    await reach(started.actor, 'running');
    started.actor.stop();
    expect(timeline).toEqual(['onStart root@0', 'onStop root@0']);
  });
});

describe('the options are checked at creation', () => {
  const bad: Array<[string, Record<string, unknown>, string, string]> = [
    ['onStart', { onStart: 42 }, 'SUPERVISOR_CONFIG_INVALID', 'onStart'],
    ['onStop[1]', { onStop: [() => {}, 'close'] }, 'SUPERVISOR_CONFIG_INVALID', 'onStop[1]'],
    ['hookTimeout', { hookTimeout: 0 }, 'SUPERVISOR_CONFIG_INVALID', 'hookTimeout'],
    ['hookTimeout', { hookTimeout: -5 }, 'SUPERVISOR_CONFIG_INVALID', 'hookTimeout'],
    ['onstart', { onstart: () => {} }, 'SUPERVISOR_CONFIG_UNKNOWN_OPTION', 'onstart'],
  ];
  it.each(bad)('refuses a bad %s with a typed error naming it', (_name, extra, code, option) => {
    let thrown: unknown;
    try {
      createSupervisor({ id: 'root', ...extra } as unknown as SupervisorOptions);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SupervisorConfigError);
    expect(thrown).toMatchObject({ code, option });
    expect((thrown as Error).message).toContain(`\`${option}\``);
  });
});

describe('a process hub with onStart and onStop', () => {
  it('runs them around its replicas, and a throwing onStart starts none', async () => {
    const timeline: Timeline = [];
    const hub = (fail: boolean) =>
      createProcessHub({
        id: 'web',
        replicas: 2,
        logger: silentLogger,
        ...hooks(timeline, 'web', () => {
          if (fail) throw new Error('port 8080 is taken');
        }),
        child: (_i, id) => tracked(timeline, { id }),
      });
    const actor = createActor(hub(false)).start();
    await reach(actor, 'running');
    await shutdown(actor);
    expect(timeline).toEqual([
      'onStart web@0',
      'onStart web-0@0',
      'onStart web-1@0',
      'onStop web-1@0',
      'onStop web-0@0',
      'onStop web@0',
    ]);
    timeline.length = 0;
    const refused = createActor(hub(true)).start();
    await reach(refused, 'failed');
    expect(timeline).toEqual(['onStart web@0']);
    expect(getTree(refused).lastError?.message).toContain('port 8080 is taken');
  });

  it('with real child processes: onStart before the first spawn, onStop once every replica has exited', async () => {
    const timeline: Timeline = [];
    let replicaPids: number[] = [];
    const hub = createProcessHub({
      id: 'workers',
      replicas: 2,
      logger: silentLogger,
      onStart: () => {
        timeline.push('onStart workers');
      },
      onStop: () => {
        const gone = replicaPids.every(isGone);
        timeline.push(`onStop workers: replicas gone ${gone}`);
      },
      child: (_i, id) =>
        createProcessService({ id, module: fixture('sleeper.mjs'), gracePeriod: 5_000 }),
    });
    const actor = createActor(hub).start();
    try {
      replicaPids = await until(
        () => {
          const pids = (getTree(actor).children ?? []).map(pidOf);
          return pids.every((p) => p !== undefined) && pids.length === 2
            ? (pids as number[])
            : undefined;
        },
        10_000,
        'two replica pids',
      );
      expect(timeline).toEqual(['onStart workers']);
      await shutdown(actor);
      expect(timeline).toEqual(['onStart workers', 'onStop workers: replicas gone true']);
    } finally {
      actor.stop();
      for (const pid of replicaPids) if (!isGone(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 20_000);
});

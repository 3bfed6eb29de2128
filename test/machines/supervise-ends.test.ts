/**
 * Every kind of XState logic under supervise(): each way it can end (normal, or a failure of
 * each kind) against each restart type, restarted or not as OTP says.
 */

import { afterEach, describe, expect, it } from 'vitest';
import {
  type AnyActorLogic,
  fromCallback,
  fromEventObservable,
  fromObservable,
  fromPromise,
  fromTransition,
  type Subscribable,
  setup,
} from 'xstate';
import {
  getTree,
  type RestartType,
  type SupervisorReport,
  shutdown,
  supervise,
} from '../../src/index.ts';
import { nextReport, reach, type Started, startSupervisor } from '../helpers/supervisor.ts';

let running: Started | undefined;
afterEach(async () => {
  if (running) await shutdown(running.actor);
  running = undefined;
});

const boom = () => {
  throw new Error('boom');
};

/** A machine that ends after `end` is sent: in a final state, or by a throw of the given kind. */
function machineEnding(how: 'final' | 'action' | 'guard' | 'entry') {
  return setup({
    actions: { boom },
    guards: { boom: () => boom() as never },
  }).createMachine({
    id: 'm',
    initial: 'up',
    states: {
      up: {
        on: {
          end:
            how === 'final'
              ? 'done'
              : how === 'action'
                ? { actions: 'boom' }
                : how === 'guard'
                  ? { guard: 'boom', target: 'done' }
                  : 'broken',
        },
      },
      broken: { entry: 'boom' },
      done: { type: 'final' },
    },
  });
}

/** A minimal subscribable (what fromObservable takes) that completes or errors on the first run. */
function subscribable<T>(first: boolean, end: 'complete' | 'error'): Subscribable<T> {
  return {
    subscribe(observer: unknown) {
      const o = observer as { complete?: () => void; error?: (e: unknown) => void };
      if (first) {
        queueMicrotask(() => (end === 'complete' ? o.complete?.() : o.error?.(new Error('boom'))));
      }
      return { unsubscribe() {} };
    },
  } as Subscribable<T>;
}

/** Each logic type, with a way to make its first generation end normally or fail. */
interface Case {
  readonly name: string;
  readonly failure: boolean;
  /** `first()` is true for the first generation's actor only. */
  make(first: () => boolean): AnyActorLogic;
  /** Ends when sent `end` (else by itself). */
  readonly send?: boolean;
}

const never = <T>() => new Promise<T>(() => {});

const cases: Case[] = [
  {
    name: 'a machine reaching a final state',
    failure: false,
    send: true,
    make: () => machineEnding('final'),
  },
  {
    name: 'a machine throwing in an action',
    failure: true,
    send: true,
    make: () => machineEnding('action'),
  },
  {
    name: 'a machine throwing in a guard',
    failure: true,
    send: true,
    make: () => machineEnding('guard'),
  },
  {
    name: 'a machine throwing in an entry action',
    failure: true,
    send: true,
    make: () => machineEnding('entry'),
  },
  {
    name: 'fromPromise resolving',
    failure: false,
    make: (first) => fromPromise(() => (first() ? Promise.resolve(1) : never())),
  },
  {
    name: 'fromPromise rejecting',
    failure: true,
    make: (first) => fromPromise(() => (first() ? Promise.reject(new Error('boom')) : never())),
  },
  {
    name: 'fromCallback throwing in receive',
    failure: true,
    send: true,
    make: () =>
      fromCallback(({ receive }) => {
        receive(boom);
      }),
  },
  {
    name: 'fromObservable completing',
    failure: false,
    make: (first) => fromObservable(() => subscribable<number>(first(), 'complete')),
  },
  {
    name: 'fromObservable erroring',
    failure: true,
    make: (first) => fromObservable(() => subscribable<number>(first(), 'error')),
  },
  {
    name: 'fromEventObservable erroring',
    failure: true,
    make: (first) => fromEventObservable(() => subscribable<{ type: string }>(first(), 'error')),
  },
  {
    name: 'fromTransition throwing on an event',
    failure: true,
    send: true,
    make: () =>
      fromTransition(
        (state: number, event: { type: string }) => (event.type === 'end' ? boom() : state),
        0,
      ),
  },
];

const RESTARTS: Record<RestartType, (failure: boolean) => boolean> = {
  permanent: () => true,
  transient: (failure) => failure,
  temporary: () => false,
};

/** The first report of `type`, already recorded or still to come. */
function reported(s: Started, type: SupervisorReport['type']): Promise<SupervisorReport> {
  const seen = s.reports.find((r) => r.type === type);
  return seen ? Promise.resolve(seen) : nextReport(s.actor, type);
}

/** Two turns of the event loop: a restart decided now has started by then. */
const turns = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('supervise(): how each logic ends, under each restart type', () => {
  for (const c of cases) {
    for (const restart of ['permanent', 'transient', 'temporary'] as const) {
      const restarted = RESTARTS[restart](c.failure);
      it(`${c.name} is ${c.failure ? 'a failure' : 'a normal end'}; ${restart}: ${restarted ? 'restarted as generation 1' : 'not restarted'}`, async () => {
        let runs = 0;
        const first = () => runs++ === 0;
        running = startSupervisor({
          id: 'root',
          strategy: 'one-for-one',
          maxRestarts: 10,
          children: [supervise(c.make(first), { id: 'c', restart })],
        });
        await reach(running.actor, 'running');
        const ended = reported(running, c.failure ? 'child.failed' : 'child.stopped');
        const again = reported(running, 'child.restarted');
        if (c.send) running.actor.send({ type: 'child.send', id: 'c', event: { type: 'end' } });
        const report = await ended;
        expect(report).toMatchObject({ id: 'c', generation: 0 });
        if (c.failure) expect(String((report.reason as Error).message)).toContain('boom');
        else expect(report.reason).toBe('normal');
        if (restarted) {
          await again;
          expect(getTree(running.actor).children?.[0]).toMatchObject({
            state: 'running',
            generation: 1,
          });
        } else {
          await turns();
          expect(getTree(running.actor).children?.[0]).toMatchObject({
            state: c.failure ? 'failed' : 'stopped',
            generation: 0,
            failures: c.failure ? 1 : 0,
          });
        }
      });
    }
  }
});

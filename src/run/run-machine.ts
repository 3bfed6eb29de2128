/**
 * The life of one `run()` as a statechart. The tree starts (`up.starting`), runs
 * (`up.running`, where the servers open), and ends in one of three ways: a stop (`stopping`:
 * readiness red for `shutdownDelay`, then the drain, bounded by `shutdownTimeout`), a failure
 * (`failing`: what runs is stopped), or the `deadline` (a timeout, a second signal, a crash:
 * the queues hand their tasks over). `ended` holds the result. Everything that touches the
 * process or the tree is an invoked actor (`run-process.ts`, `run-actors.ts`,
 * `run-servers.ts`); every delay is on the actor's clock.
 */
import { assign, emit, sendTo, setup } from '../internal/xstate.ts';
import { handOverTheQueues, shutdownTree, startTree, watchRoot } from './run-actors.ts';
import type { RunContext, RunEmitted, RunEnd, RunEvent, RunInput } from './run-events.ts';
import { runLogs } from './run-logs.ts';
import { keepProcessAlive, listenForSignals } from './run-process.ts';
import { runServers } from './run-servers.ts';

const TIMEOUT: RunEnd = { result: { exitCode: 70, reason: 'timeout' }, process: 'exit' };

/** The statechart of `run()`: see the file's summary, and docs/run.md for what users see. @internal */
export const runMachine = setup({
  types: {} as {
    context: RunContext;
    events: RunEvent;
    input: RunInput;
    emitted: RunEmitted;
    output: RunEnd;
  },
  actors: {
    watchRoot,
    listenForSignals,
    keepProcessAlive,
    startTree,
    runServers,
    shutdownTree,
    handOverTheQueues,
  },
  guards: {
    hasShutdownDelay: ({ context }) => context.options.shutdownDelay > 0,
  },
  delays: {
    shutdownDelay: ({ context }) => context.options.shutdownDelay,
    shutdownTimeout: ({ context }) => context.options.shutdownTimeout,
  },
  actions: {
    ...runLogs,
    stopFor: assign((_, params: { reason: RunContext['stopReason'] }) => ({
      stopReason: params.reason,
    })),
    /** The root (or a server, or telemetry) failed: the first such error is the run's. */
    keepError: assign(({ context, event }) =>
      event.type === 'root.failed' || event.type === 'run.fail'
        ? { error: context.error ?? event.error }
        : {},
    ),
    emitFailing: emit(({ context }) => ({
      type: 'run.failing' as const,
      error: context.error ?? new Error('the run failed'),
    })),
    openServers: sendTo('servers', { type: 'servers.open' as const }),
    keepServers: assign(({ event }) =>
      event.type === 'servers.opened' ? { control: event.control, inspector: event.inspector } : {},
    ),
    emitReady: emit({ type: 'run.ready' as const }),
    /** The shutdown ran out of time: the queues hand over, then exit 70. */
    overrun: assign(({ context, event }) => ({
      why:
        event.type === 'run.signal'
          ? `a second ${event.signal} came during the shutdown`
          : `the shutdown overran shutdownTimeout (${context.options.shutdownTimeout} ms)`,
      afterDeadline: TIMEOUT,
    })),
    /** The root actor crashed: the queues hand over, then exit 1 with the error. */
    crash: assign(({ event }) => {
      const error = event.type === 'root.crashed' ? event.error : new Error('the root crashed');
      return {
        why: 'the root actor crashed',
        error,
        afterDeadline: { result: { exitCode: 1, reason: 'failed', error }, process: 'exit' },
      };
    }),
    end: assign((_, params: RunEnd) => ({ end: params })),
    endFailed: assign(({ context }) => ({
      end: {
        result: { exitCode: 1, reason: 'failed', ...(context.error && { error: context.error }) },
        process: 'exit',
      } satisfies RunEnd,
    })),
    endAfterDeadline: assign(({ context }) => ({ end: context.afterDeadline ?? TIMEOUT })),
  },
}).createMachine({
  id: 'run',
  context: ({ input }) => ({ ...input, stopReason: 'stopped', why: '' }),
  // The whole run long: the order matters (the root is watched before it starts).
  invoke: [
    { src: 'watchRoot', input: ({ context }) => ({ actor: context.actor }) },
    { src: 'listenForSignals', input: ({ context }) => ({ signals: context.options.signals }) },
    { src: 'keepProcessAlive' },
    {
      src: 'startTree',
      input: ({ context }) => ({
        actor: context.actor,
        telemetry: context.options.telemetry,
        logger: context.options.logger,
      }),
    },
    {
      id: 'servers',
      src: 'runServers',
      input: ({ context, self }) => ({ actor: context.actor, options: context.options, run: self }),
    },
  ],
  output: ({ context }) => context.end ?? TIMEOUT,
  on: {
    // Wherever they come (a server late, a start failing during a stop), unless a state says more.
    'servers.opened': { actions: ['keepServers', 'announceRunning', 'emitReady'] },
    'run.fail': { actions: ['logFailure', 'keepError', 'emitFailing'] },
    'root.crashed': { target: '.deadline', actions: ['logCrash', 'crash'] },
  },
  initial: 'up',
  states: {
    /** Nothing has asked the tree to stop yet. */
    up: {
      initial: 'starting',
      on: {
        'run.stop': { target: '#run.stopping.draining', actions: stopFor('stopped') },
        'root.stopped': {
          target: '#run.stopping.draining',
          actions: ['logStoppedOnItsOwn', stopFor('stopped')],
        },
        'root.failed': { target: 'failing', actions: ['logFailure', 'keepError', 'emitFailing'] },
        'run.fail': { target: 'failing', actions: ['logFailure', 'keepError', 'emitFailing'] },
        // The root actor was stopped directly (`handle.actor.stop()`): the run is over all the same.
        'root.completed': {
          target: 'ended',
          actions: end({ result: { exitCode: 0, reason: 'stopped' }, process: 'stay' }),
        },
      },
      states: {
        starting: {
          on: {
            'root.running': 'running',
            // Nothing was ready, so nothing routes traffic here: no shutdownDelay.
            'run.signal': {
              target: '#run.stopping.draining',
              actions: ['logSignalWhileStarting', stopFor('signal')],
            },
          },
        },
        running: {
          entry: 'openServers',
          on: {
            'run.signal': [
              {
                guard: 'hasShutdownDelay',
                target: '#run.stopping.delaying',
                actions: ['logSignal', stopFor('signal')],
              },
              { target: '#run.stopping.draining', actions: ['logSignal', stopFor('signal')] },
            ],
            'run.request': [
              {
                guard: 'hasShutdownDelay',
                target: '#run.stopping.delaying',
                actions: stopFor('request'),
              },
              { target: '#run.stopping.draining', actions: stopFor('request') },
            ],
          },
        },
      },
    },
    /** A graceful stop: readiness is red from the start (`/readyz` 503). */
    stopping: {
      tags: ['draining'],
      initial: 'draining',
      on: { 'run.signal': { target: 'deadline', actions: ['logSecondSignal', 'overrun'] } },
      states: {
        // Lightship's rule: readiness fails first, so load balancers stop sending traffic,
        // and only then does the drain begin.
        delaying: {
          entry: 'logReadinessFails',
          after: { shutdownDelay: 'draining' },
        },
        draining: {
          invoke: {
            src: 'shutdownTree',
            input: ({ context }) => ({ actor: context.actor }),
            onDone: {
              target: '#run.ended',
              actions: [
                'logShutdownComplete',
                {
                  type: 'end',
                  params: ({ context }) => ({
                    result: { exitCode: 0, reason: context.stopReason },
                    process: context.stopReason === 'stopped' ? 'stay' : 'exit',
                  }),
                },
              ],
            },
          },
          after: {
            shutdownTimeout: { target: '#run.deadline', actions: ['logOverrun', 'overrun'] },
          },
        },
      },
    },
    /** The root failed (or a server, or telemetry): what runs stops, then exit 1. */
    failing: {
      on: { 'run.signal': { target: 'deadline', actions: ['logSecondSignal', 'overrun'] } },
      invoke: {
        src: 'shutdownTree',
        input: ({ context }) => ({ actor: context.actor }),
        onDone: { target: 'ended', actions: 'endFailed' },
        onError: { target: 'ended', actions: 'endFailed' },
      },
    },
    /** Out of time: every queue worker hands its unprocessed tasks over before the exit. */
    deadline: {
      tags: ['draining', 'ending'],
      on: {
        'run.signal': {
          target: 'ended',
          actions: ['logSignalWhileExiting', end({ ...TIMEOUT, process: 'exit-now' })],
        },
        'servers.opened': { actions: 'keepServers' },
        'root.crashed': { actions: 'logCrash' },
      },
      invoke: {
        src: 'handOverTheQueues',
        input: ({ context }) => ({
          root: context.root,
          actor: context.actor,
          logger: context.options.logger,
          discardTimeout: context.options.discardTimeout,
          why: context.why,
        }),
        onDone: { target: 'ended', actions: 'endAfterDeadline' },
        onError: { target: 'ended', actions: ['logHandOverFailed', 'endAfterDeadline'] },
      },
    },
    ended: { type: 'final', tags: ['ending'] },
  },
});

/** The `stopFor` action with its reason. */
function stopFor(reason: RunContext['stopReason']) {
  return { type: 'stopFor', params: { reason } } as const;
}

/** The `end` action with a fixed end. */
function end(params: RunEnd) {
  return { type: 'end', params } as const;
}

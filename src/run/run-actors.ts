/**
 * What a run's statechart invokes on the tree: it watches the root actor, starts it (once
 * telemetry is loaded, when asked for), shuts it down, and hands the queues over at the deadline.
 */
import { lifecycleOf, sourceOf } from '../actors/own-runtime.ts';
import { shutdown } from '../actors/shutdown.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { LifecycleState } from '../core/tree-node.ts';
import {
  type AnyActorRef,
  type AnyStateMachine,
  fromCallback,
  fromPromise,
} from '../internal/xstate.ts';
import {
  instrumentTree,
  type TelemetryOptions,
  type TreeInstrumentation,
} from '../telemetry/instrument.ts';
import { handOverQueues } from './run-deadline.ts';
import type { RunEvent } from './run-events.ts';

/**
 * Turns the root actor's life into events: `root.running`, `root.failed` (with the root's own
 * error), `root.stopped` when its state changes to one of them, `root.completed` when the actor
 * is stopped, `root.crashed` when it errors. Subscribed before the root starts.
 * @internal
 */
export const watchRoot = fromCallback<RunEvent, { actor: AnyActorRef }>(
  ({ input: { actor }, sendBack }) => {
    let last: LifecycleState | undefined;
    const subscription = actor.subscribe({
      next: (snapshot) => {
        const state = lifecycleOf((snapshot as { value: unknown }).value);
        if (state === last) return;
        last = state;
        if (state === 'running') sendBack({ type: 'root.running' });
        else if (state === 'failed') sendBack({ type: 'root.failed', error: rootError(actor) });
        else if (state === 'stopped') sendBack({ type: 'root.stopped' });
      },
      complete: () => sendBack({ type: 'root.completed' }),
      error: (err) => sendBack({ type: 'root.crashed', error: toError(err) }),
    });
    return () => subscription.unsubscribe();
  },
);

/** The root's own failure (an `IntensityExceededError` with its code and cause, say). */
function rootError(actor: AnyActorRef): Error {
  const reason = sourceOf(actor)?.exit;
  return reason?._tag === 'Failure' ? reason.error : new Error('the root failed');
}

/** What {@link startTree} needs. @internal */
export interface StartTreeInput {
  readonly actor: AnyActorRef;
  readonly telemetry: true | TelemetryOptions | undefined;
  readonly logger: Logger;
}

/**
 * Starts the root actor, at once or, with telemetry, once it is loaded (so the tree's first
 * iterations are traced too). Lives as long as the run: its end disposes of the telemetry, and
 * a tree whose telemetry arrives after the end is not started.
 * @internal
 */
export const startTree = fromCallback<RunEvent, StartTreeInput>(({ input, sendBack }) => {
  const { actor, telemetry, logger } = input;
  if (telemetry === undefined) {
    actor.start();
    return;
  }
  let ended = false;
  let instrumentation: TreeInstrumentation | undefined;
  instrumentTree(actor, telemetry === true ? {} : telemetry).then(
    (loaded) => {
      instrumentation = loaded;
      if (!loaded) {
        logger.warn(
          'telemetry asked for, but @opentelemetry/api is not installed; no spans or metrics',
        );
      }
      if (ended) loaded?.dispose();
      else actor.start();
    },
    (e: unknown) => {
      if (!ended) {
        sendBack({
          type: 'run.fail',
          error: toError(e),
          message: 'telemetry could not start; exiting with code 1',
        });
      }
    },
  );
  return () => {
    ended = true;
    instrumentation?.dispose();
  };
});

/**
 * A graceful stop of the tree (children in reverse start order); resolves once it has stopped.
 * @internal
 */
export const shutdownTree = fromPromise<void, { actor: AnyActorRef }>(({ input }) =>
  shutdown(input.actor),
);

/** What {@link handOverTheQueues} needs. @internal */
export interface HandOverInput {
  readonly root: AnyStateMachine;
  readonly actor: AnyActorRef;
  readonly logger: Logger;
  readonly discardTimeout: number;
  readonly why: string;
}

/**
 * The deadline: every queue worker of the tree hands its unprocessed tasks to `onDiscard`;
 * resolves once they have, or after `discardTimeout`.
 * @internal
 */
export const handOverTheQueues = fromPromise<void, HandOverInput>(({ input }) =>
  handOverQueues(input.root, input.actor, input.logger, input.discardTimeout, input.why),
);

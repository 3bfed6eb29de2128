/**
 * `shutdown()`: a graceful stop of a service or a whole tree (children in reverse start order).
 */
import { CommandError } from '../core/errors.ts';
import {
  type AnyActorRef,
  isActorNotStarted,
  isActorStopped,
  stopActor,
} from '../internal/xstate.ts';
import { lifecycleOf, requireSource } from './own-runtime.ts';

/**
 * Options of {@link shutdown}.
 *
 * @example
 * ```ts
 * // Bound the whole shutdown, and keep the actor alive to start it again later.
 * await shutdown(actor, { timeout: 30_000, stopActor: false });
 * actor.send({ type: 'supervisor.start' });
 * ```
 */
export interface ShutdownOptions {
  /**
   * Reject with a `CommandError` (`SHUTDOWN_TIMEOUT`) if the tree has not stopped by then.
   * Each service still bounds its own stop by its `gracePeriod`.
   * @default no limit
   */
  timeout?: number;
  /**
   * Also stop the XState actor once the tree has stopped, so no timer or listener is left.
   * Only root actors are stopped this way; a child actor belongs to its parent.
   * @default true
   */
  stopActor?: boolean;
}

function isEnded(actor: AnyActorRef): boolean {
  const state = lifecycleOf((actor.getSnapshot() as { value: unknown }).value);
  return state === 'stopped' || state === 'failed' || state === 'idle';
}

/**
 * Stops a service or a supervision tree gracefully and resolves once everything has stopped:
 * a supervisor stops its children in reverse start order, each bounded by its `gracePeriod`.
 *
 * Gotchas: it resolves (it does not reject) when the tree ends in `failed`, and at once for an
 * actor already stopped or never started (one never started is left startable). By default it
 * then stops the root XState actor, which cannot be started again (see `stopActor`). It throws a `CommandError`
 * (`NOT_A_SUPERVISED_ACTOR`) for an actor that is not a service or supervisor.
 *
 * @example
 * ```ts
 * const root = createSupervisor({ id: 'root', children: [] });
 * const actor = createActor(root).start();
 * // ...
 * await shutdown(actor);
 * ```
 */
export async function shutdown(actor: AnyActorRef, options: ShutdownOptions = {}): Promise<void> {
  const source = requireSource(actor, 'shutdown');
  // Never started: nothing runs, and an event sent now would only wait for a start.
  if (!isActorStopped(actor) && !isActorNotStarted(actor)) {
    const kind = source.treeNode('idle').kind;
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const sub = actor.subscribe({
        next: () => {
          if (isEnded(actor)) finish();
        },
        error: () => finish(),
        complete: () => finish(),
      });
      function finish() {
        sub.unsubscribe();
        if (timer) clearTimeout(timer);
        resolve();
      }
      if (options.timeout !== undefined) {
        timer = setTimeout(() => {
          sub.unsubscribe();
          reject(
            new CommandError(
              'SHUTDOWN_TIMEOUT',
              `Shutdown of "${actor.id}" did not complete within ${options.timeout} ms.`,
            ),
          );
        }, options.timeout);
      }
      actor.send({ type: kind === 'service' ? 'service.stop' : 'supervisor.stop' });
      if (isEnded(actor)) finish();
    });
  }
  // A root that was never started is left as it is: nothing ran, and it can still start.
  if (isActorNotStarted(actor)) return;
  const isRoot = (actor as unknown as { _parent?: unknown })._parent === undefined;
  if ((options.stopActor ?? true) && isRoot) stopActor(actor);
}

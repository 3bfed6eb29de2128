/**
 * `shield` for the timed service kinds (periodic, cron, recurring): a run in flight is not
 * cancelled by the stop. Its `ctx.signal` is its own, aborted only when the generation is
 * killed (the stop overran `gracePeriod`) or fenced by a hard reset; the stop awaits the run
 * as it awaits any iteration, within `gracePeriod`.
 */
import { isThenable } from '../actors/loop-run.ts';
import type { ServiceContext } from '../core/service-options.ts';
import type { GenerationHooks } from './resource-hooks.ts';
import { type ActorStateBase, type ActorStates, localOf } from './scheduled-state.ts';

type Hook = ((ctx: ServiceContext) => unknown) | undefined;

/**
 * Why a shielded run's signal is aborted: the stop outlasted `gracePeriod` and the generation
 * was killed, or a hard reset fenced it. One shared `AbortError`, as for `ctx.signal`.
 * @internal
 */
export const SHIELD_KILLED = new DOMException(
  'The shielded run outlasted the gracePeriod; its generation is killed.',
  'AbortError',
);

/**
 * The shield of one service definition: the signal of each actor's run in flight, keyed by the
 * actor's per-kind state (never module-level). @internal
 *
 * @example
 * ```ts
 * const shield = new Shield();
 * const iterate = shield.wrapRun(run); // run(ctx) sees a signal the stop does not abort
 * const onStop = shield.wrapOnStop(resolved.onStop); // a run still going at the kill: aborted
 * ```
 */
export class Shield {
  private readonly inFlight = new WeakMap<object, AbortController>();

  /** Calls `run` with a context whose `signal` only the kill (or a hard reset) aborts. */
  wrapRun(run: (ctx: ServiceContext) => unknown): (ctx: ServiceContext) => unknown {
    return (ctx) => {
      const key = localOf<object>(ctx);
      // A run of a generation a hard reset fenced, still going: it is cut off now.
      this.inFlight.get(key)?.abort(SHIELD_KILLED);
      const controller = new AbortController();
      this.inFlight.set(key, controller);
      // Everything else (iteration, stop, fail, task, config) is the generation's own context.
      const shielded = Object.create(ctx, {
        signal: { value: controller.signal, enumerable: true },
      }) as ServiceContext;
      const done = () => {
        if (this.inFlight.get(key) === controller) this.inFlight.delete(key);
      };
      let result: unknown;
      try {
        result = run(shielded);
      } catch (error) {
        done();
        throw error;
      }
      if (!isThenable(result)) {
        done();
        return result;
      }
      return Promise.resolve(result).finally(done);
    };
  }

  /**
   * Wraps `onStop`, which the core runs once the run in flight has ended or, when it overran
   * `gracePeriod`, at the kill: a run still in flight then has its signal aborted.
   */
  wrapOnStop(user: Hook): (ctx: ServiceContext) => unknown {
    return (ctx) => {
      const key = localOf<object>(ctx);
      const controller = this.inFlight.get(key);
      if (controller) {
        this.inFlight.delete(key);
        controller.abort(SHIELD_KILLED);
      }
      return user?.(ctx);
    };
  }
}

/**
 * The hooks of a timed kind (periodic, cron, recurring), as its `around` (see `defineKind`):
 * the per-actor state linked around the user's hooks, and the shield, if any, told first at
 * the stop. @internal
 *
 * @example
 * ```ts
 * const parts = { iterate, around: timedHooks(states, shield), shown: options };
 * ```
 */
export function timedHooks<S extends ActorStateBase>(
  states: ActorStates<S>,
  shield: Shield | undefined,
): (hooks: GenerationHooks) => GenerationHooks {
  return (hooks) => {
    const linked = states.around(hooks);
    return shield ? { onStart: linked.onStart, onStop: shield.wrapOnStop(linked.onStop) } : linked;
  };
}

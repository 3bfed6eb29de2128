/**
 * Per-actor state of a timed service kind (periodic, cron), reachable from its schedule.
 *
 * Why this exists: the loop calls `LoopSchedule.first(now, log)` / `next(start, end, now, log)`
 * with no handle on the actor, while the schedule object is shared by every actor of the
 * machine. The only per-actor value it receives is `log`, the actor's own child logger (the
 * iteration context's `ctx.logger`). So the kind wraps `onStart` to link that logger to the
 * actor's `local` state (which `getTree()` describes), and the schedule looks its state up by
 * logger. The map belongs to the service definition, never to the module.
 *
 * Limit: a logger whose `child()` returns itself (`silentLogger`) gives two live actors of
 * the same machine one key; that case is detected and logged once at warn.
 */
import type { Logger } from '../core/logger.ts';
import type { ServiceContext } from '../core/service-options.ts';
import type { GenerationHooks } from './resource-hooks.ts';

/**
 * What every kind's per-actor state carries. @internal
 *
 * @example
 * ```ts
 * interface TickState extends ActorStateBase { ticks: number }
 * const fresh = (): TickState => ({ active: false, nextWall: undefined, ticks: 0 });
 * ```
 */
export interface ActorStateBase {
  /** A generation of this actor has started and not stopped yet. */
  active: boolean;
  /** Wall-clock time (`Date.now()`) of the next planned run, while waiting for it. */
  nextWall: number | undefined;
}

type Hook = ((ctx: ServiceContext) => unknown) | undefined;

/**
 * Reads the per-actor state a kind keeps in `local` (an internal getter of the context).
 * @internal
 *
 * @example
 * ```ts
 * const iterate = (ctx: ServiceContext) => {
 *   localOf<PeriodicState>(ctx).nextWall = undefined; // running now, not waiting
 * };
 * ```
 */
export function localOf<S>(ctx: ServiceContext): S {
  return (ctx as unknown as { local: S }).local;
}

/**
 * The per-actor states of one service definition, keyed by each actor's logger. @internal
 *
 * @example
 * ```ts
 * const states = new ActorStates<PeriodicState>('periodic', freshPeriodicState);
 * const opts = { ...resolved, onStart: states.wrapOnStart(resolved.onStart),
 *   onStop: states.wrapOnStop(resolved.onStop), local: { create: () => states.fresh() } };
 * // in the schedule: const state = states.get(log);
 * ```
 */
export class ActorStates<S extends ActorStateBase> {
  private readonly byLogger = new WeakMap<Logger, S>();
  private readonly create: () => S;
  private readonly kind: string;
  private warned = false;

  constructor(kind: string, create: () => S) {
    this.kind = kind;
    this.create = create;
  }

  /** A fresh state, for `local.create()`. */
  fresh(): S {
    return this.create();
  }

  /** The state of the actor whose logger is `log` (a detached one if it never started). */
  get(log: Logger): S {
    let state = this.byLogger.get(log);
    if (!state) {
      state = this.create();
      this.byLogger.set(log, state);
    }
    return state;
  }

  /** Wraps `onStart`: links the actor's logger to its state before the user's hook runs. */
  wrapOnStart(user: Hook): (ctx: ServiceContext) => unknown {
    return (ctx) => {
      const state = localOf<S>(ctx);
      const previous = this.byLogger.get(ctx.logger);
      if (previous && previous !== state && previous.active && !this.warned) {
        this.warned = true;
        ctx.logger.warn(
          { service: ctx.id },
          `two running actors of ${this.kind} service "${ctx.id}" share one logger object (its child() returns itself); their schedules will mix: give each actor a logger whose child() returns a new object`,
        );
      }
      this.byLogger.set(ctx.logger, state);
      state.active = true;
      if (!user) return undefined;
      const release = () => this.release(state);
      try {
        const result = user(ctx);
        if (result === false) release();
        else if (result instanceof Promise) {
          return result.then(
            (value: unknown) => {
              if (value === false) release();
              return value;
            },
            (error: unknown) => {
              release();
              throw error;
            },
          );
        }
        return result;
      } catch (error) {
        release();
        throw error;
      }
    };
  }

  /** Wraps `onStop` (run once per started generation): the actor no longer waits for a run. */
  wrapOnStop(user: Hook): (ctx: ServiceContext) => unknown {
    return (ctx) => {
      this.release(localOf<S>(ctx));
      return user?.(ctx);
    };
  }

  /** Wraps both hooks (a kind's `around`, see `defineKind`). */
  around(hooks: GenerationHooks): GenerationHooks {
    return { onStart: this.wrapOnStart(hooks.onStart), onStop: this.wrapOnStop(hooks.onStop) };
  }

  private release(state: S): void {
    state.active = false;
    state.nextWall = undefined;
  }
}

/**
 * What `getTree()` shows of the wait: ms until the next run, or nothing while not waiting.
 * @internal
 *
 * @example
 * ```ts
 * nextRunIn({ active: true, nextWall: Date.now() + 250 }); // 250
 * ```
 */
export function nextRunIn(state: ActorStateBase): number | undefined {
  if (state.nextWall === undefined) return undefined;
  return Math.max(0, Math.round(state.nextWall - Date.now()));
}

/**
 * When a periodic service's runs start: fixed delay (end + every) or fixed rate (an absolute
 * grid, origin + k·every, with an overlap policy for late runs). The grid rule is a pure
 * function, tested without timers; the schedule around it keeps per-actor state.
 */
import type { Logger } from '../core/logger.ts';
import type { LoopSchedule } from '../core/service-options.ts';
import type { ActorStateBase, ActorStates } from './scheduled-state.ts';

/**
 * What a fixed-rate run does when the previous one ended after its slot had passed.
 * `'skip'`: start at the next slot still ahead (the missed ones are dropped and counted).
 * `'queue-one'`: start one run at once for the missed slots, then go back to the grid.
 *
 * @example
 * ```ts
 * const overlap: PeriodicOverlap = 'queue-one';
 * createPeriodicService({ id: 'sample', every: 100, schedule: 'fixed-rate', overlap, run() {} });
 * ```
 */
export type PeriodicOverlap = 'skip' | 'queue-one';

/**
 * How a periodic service spaces its runs. `'fixed-delay'` (aiomisc `PeriodicService`): the
 * next run starts `every` after the previous one ended. `'fixed-rate'`: run k starts at
 * `origin + k·every`, however long the runs take, so the schedule never drifts.
 *
 * @example
 * ```ts
 * const schedule: PeriodicScheduleKind = 'fixed-rate';
 * createPeriodicService({ id: 'tick', every: 1_000, schedule, run() {} });
 * ```
 */
export type PeriodicScheduleKind = 'fixed-delay' | 'fixed-rate';

/**
 * Where the next fixed-rate run goes, from {@link nextOnGrid}. @internal
 *
 * @example
 * ```ts
 * const step: GridStep = nextOnGrid(0, 10, 0, 25, 'skip');
 * if (step.late) console.warn(`skipped ${step.skipped} slot(s)`);
 * ```
 */
export interface GridStep {
  /** The index of the slot the next run stands for. */
  readonly slot: number;
  /** When it starts (the slot's time, or `now` for a queued run). */
  readonly at: number;
  /** Slots dropped because the previous run was late. */
  readonly skipped: number;
  /** The previous run ended after the next slot (so `skipped > 0`, or a queued run). */
  readonly late: boolean;
}

/**
 * The fixed-rate rule, a pure function: given the grid (`origin`, `every`), the index of the
 * slot the last run stood for, and the time now, where the next run goes. A slot exactly at
 * `now` is on time. @internal
 *
 * @example
 * ```ts
 * nextOnGrid(0, 10, 0, 25, 'skip'); // { slot: 3, at: 30, skipped: 2, late: true }
 * nextOnGrid(0, 10, 0, 25, 'queue-one'); // { slot: 2, at: 25, skipped: 1, late: true }
 * ```
 */
export function nextOnGrid(
  origin: number,
  every: number,
  lastSlot: number,
  now: number,
  overlap: PeriodicOverlap,
): GridStep {
  const slot = lastSlot + 1;
  const at = origin + slot * every;
  if (at >= now) return { slot, at, skipped: 0, late: false };
  // The first slot at or after now; the epsilon keeps float noise from skipping a due slot.
  const ahead = Math.max(slot + 1, Math.ceil((now - origin) / every - 1e-9));
  const missed = ahead - slot;
  if (overlap === 'skip') {
    return { slot: ahead, at: origin + ahead * every, skipped: missed, late: true };
  }
  return { slot: ahead - 1, at: now, skipped: missed - 1, late: true };
}

/**
 * Per-actor state of a periodic service. @internal
 *
 * @example
 * ```ts
 * const state: PeriodicState = freshPeriodicState();
 * state.origin = performance.now(); // slot 0 of a new generation
 * ```
 */
export interface PeriodicState extends ActorStateBase {
  /** Clock time of slot 0 of the current generation (fixed rate). */
  origin: number;
  /** Index of the slot the latest run stood for (fixed rate). */
  slot: number;
  /** Slots dropped by late runs in the current generation. */
  skipped: number;
}

/**
 * A fresh per-actor state. @internal
 *
 * @example
 * ```ts
 * const local = { create: freshPeriodicState };
 * ```
 */
export function freshPeriodicState(): PeriodicState {
  return { active: false, nextWall: undefined, origin: 0, slot: 0, skipped: 0 };
}

/**
 * The resolved timing options of a periodic service. @internal
 *
 * @example
 * ```ts
 * const timing: PeriodicTiming = { every: 10, delay: 0, schedule: 'fixed-rate', overlap: 'skip' };
 * ```
 */
export interface PeriodicTiming {
  readonly every: number;
  readonly delay: number;
  readonly schedule: PeriodicScheduleKind;
  readonly overlap: PeriodicOverlap;
}

/**
 * The loop schedule of a periodic service: `first` is `now + delay`; `next` is `end + every`
 * (fixed delay) or {@link nextOnGrid} (fixed rate). @internal
 *
 * @example
 * ```ts
 * const states = new ActorStates<PeriodicState>('periodic', freshPeriodicState);
 * const schedule = periodicSchedule({ every: 10, delay: 0, schedule: 'fixed-rate', overlap: 'skip' }, states);
 * ```
 */
export function periodicSchedule(
  t: PeriodicTiming,
  states: ActorStates<PeriodicState>,
): LoopSchedule {
  const plan = (s: PeriodicState, at: number, now: number): number => {
    s.nextWall = Date.now() + (at - now);
    return at;
  };
  const late = (s: PeriodicState, step: GridStep, now: number, log: Logger): void => {
    s.skipped += step.skipped;
    const behind = Math.round(now - (s.origin + (s.slot + 1) * t.every));
    if (step.skipped > 0) {
      log.warn(
        { every: t.every, skipped: step.skipped, behind, overlap: t.overlap },
        t.overlap === 'skip'
          ? `periodic run ended ${behind} ms after its next slot; skipped ${step.skipped} slot(s)`
          : `periodic run ended ${behind} ms after its next slot; one run queued, skipped ${step.skipped} slot(s)`,
      );
    } else {
      log.debug(
        { every: t.every, behind },
        'periodic run ended after its next slot; the queued run starts at once',
      );
    }
  };
  return {
    first(now, log) {
      const s = states.get(log);
      s.origin = now + t.delay;
      s.slot = 0;
      s.skipped = 0;
      return plan(s, s.origin, now);
    },
    next(_start, end, now, log) {
      const s = states.get(log);
      if (t.schedule === 'fixed-delay') return plan(s, end + t.every, now);
      const step = nextOnGrid(s.origin, t.every, s.slot, now, t.overlap);
      if (step.late) late(s, step, now, log);
      s.slot = step.slot;
      return plan(s, step.at, now);
    },
  };
}

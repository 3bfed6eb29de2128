/**
 * When a cron service's runs start: croner computes the fire times (wall clock, in the
 * service's time zone) and the schedule turns each into the loop's clock,
 * `at = now + (fireTime - Date.now())`. A run that ends after the next fire time skips it.
 */
import type { Cron } from 'croner';
import type { Logger } from '../core/logger.ts';
import type { LoopSchedule } from '../core/service-options.ts';
import { MAX_TIMER_DELAY } from './scheduled-options.ts';
import type { ActorStateBase, ActorStates } from './scheduled-state.ts';

/**
 * Per-actor state of a cron service. @internal
 *
 * @example
 * ```ts
 * const state: CronState = freshCronState();
 * state.lastSlot = Date.parse('2026-03-02T10:00:01Z'); // the fire time being waited for
 * ```
 */
export interface CronState extends ActorStateBase {
  /** Wall-clock time of the fire time the next (or running) run stands for. */
  lastSlot: number;
  /** Fire times skipped because a run overlapped them, in the current generation. */
  skipped: number;
  /**
   * The fire time is further than a Node timer can wait: the loop wakes early to wait again,
   * and that wake-up does not call `run`.
   */
  rearm: boolean;
}

/**
 * A fresh per-actor state. @internal
 *
 * @example
 * ```ts
 * const local = { create: freshCronState };
 * ```
 */
export function freshCronState(): CronState {
  return { active: false, nextWall: undefined, lastSlot: 0, skipped: 0, rearm: false };
}

/** Beyond this many overlapped fire times, stop counting them one by one. */
const COUNT_LIMIT = 10_000;

/**
 * The loop schedule of a cron service: each wait is `fireTime − Date.now()` on the loop's
 * clock; fire times a run overlapped are skipped and counted. @internal
 *
 * @example
 * ```ts
 * const states = new ActorStates<CronState>('cron', freshCronState);
 * const schedule = cronSchedule(new Cron('* * * * * *'), states);
 * ```
 */
export function cronSchedule(cron: Cron, states: ActorStates<CronState>): LoopSchedule {
  const plan = (s: CronState, slot: Date | null, wall: number, now: number, log: Logger) => {
    if (slot === null) {
      if (s.lastSlot !== Number.POSITIVE_INFINITY) {
        log.warn({ cron: cron.getPattern() }, 'cron pattern has no further fire time; idle');
      }
      s.lastSlot = Number.POSITIVE_INFINITY;
      s.nextWall = undefined;
      s.rearm = true;
      return now + MAX_TIMER_DELAY;
    }
    const time = slot.getTime();
    s.lastSlot = time;
    s.nextWall = time;
    const wait = time - wall;
    s.rearm = wait > MAX_TIMER_DELAY;
    return now + Math.max(0, Math.min(wait, MAX_TIMER_DELAY));
  };
  return {
    first(now, log) {
      const s = states.get(log);
      s.skipped = 0;
      s.lastSlot = 0;
      const wall = Date.now();
      return plan(s, cron.nextRun(new Date(wall)), wall, now, log);
    },
    next(_start, _end, now, log) {
      const s = states.get(log);
      const wall = Date.now();
      if (s.rearm) {
        const same = Number.isFinite(s.lastSlot) ? new Date(s.lastSlot) : null;
        return plan(s, same, wall, now, log);
      }
      let slot = cron.nextRun(new Date(s.lastSlot));
      const firstMissed = slot?.getTime() ?? wall;
      let missed = 0;
      while (slot !== null && slot.getTime() < wall && missed < COUNT_LIMIT) {
        missed++;
        slot = cron.nextRun(slot);
      }
      if (slot !== null && slot.getTime() < wall) slot = cron.nextRun(new Date(wall - 1));
      if (missed > 0) {
        s.skipped += missed;
        const behind = Math.round(wall - firstMissed);
        log.warn(
          { cron: cron.getPattern(), skipped: missed, behind },
          `cron run overlapped ${missed === COUNT_LIMIT ? `at least ${missed}` : missed} fire time(s); skipped`,
        );
      }
      return plan(s, slot, wall, now, log);
    },
  };
}

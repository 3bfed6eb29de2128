/**
 * What the parts of a service's runtime (its start, its pacing run, its failure accounting,
 * its stop and hard reset) share of the runtime that owns them. The runtime implements it;
 * the parts import this, never the runtime, so no two files import each other.
 */
import type { ExitReason } from '../core/exit-reason.ts';
import type { RestartWindow } from '../core/restart-intensity.ts';
import type { Clock } from '../internal/xstate.ts';
import type { LastError } from './last-error.ts';
import type { LoopOwner, LoopReport, LoopRun } from './loop-run.ts';

/**
 * The mutable state of one service actor across its generations, as its parts see it.
 * Internal: reachable only through a service snapshot's context.
 *
 * @example
 * ```ts
 * class ServiceRuntime implements LoopHost { start() { return startGeneration(this, ...); } }
 * ```
 */
export interface LoopHost extends LoopOwner {
  readonly clock: Required<Clock>;
  generation: number;
  iterations: number;
  failures: number;
  lastError: LastError | undefined;
  /** Why the latest generation ended (or is ending). */
  exit: ExitReason;
  /** The latest generation was killed after overrunning `gracePeriod`. */
  killed: boolean;
  /** The current generation's loop (until a hard reset or the next start replaces it). */
  run: LoopRun | undefined;
  /** `onStart` succeeded and `onStop` has not been called yet. */
  sessionOpen: boolean;
  /** The stop of the current generation, once one began. */
  finishing: Promise<{ killed: boolean }> | undefined;
  /** With `failureWindow`: the failures that count toward `maxFailures`. */
  readonly failureTimes: RestartWindow | undefined;
  /** Enters `starting`: a new generation with fresh counters. */
  beginGeneration(): void;
  /** Records why the generation ends. */
  setExit(reason: ExitReason): void;
  /** Tells the machine the loop has ended: once per generation, never from a fenced one. */
  reportEnd(run: LoopRun, event: LoopReport): void;
  /** The stop of the current generation (idempotent per generation). */
  finish(): Promise<{ killed: boolean }>;
}

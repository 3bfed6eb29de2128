/**
 * The groups of lifecycle states the runtime asks about, each defined once and named by what
 * it holds, so one name never means two groups. A child's state is one of `idle`, `starting`,
 * `running`, `stopping`, `stopped`, `failed`; `starting` and `stopping` are transitions, the
 * others are where a child rests.
 */
import type { LifecycleState } from '../core/tree-node.ts';

/**
 * A generation that ran has ended, by a stop or a failure. `idle` is not in it: a child that
 * never started (or whose start was vetoed) has not ended anything.
 *
 * @example
 * ```ts
 * if (STOPPED_OR_FAILED.has(child.state)) console.log(`${child.id} has ended`);
 * ```
 */
export const STOPPED_OR_FAILED: ReadonlySet<LifecycleState> = new Set<LifecycleState>([
  'stopped',
  'failed',
]);

/**
 * Nothing of the child is up or on its way: it never started (`idle`, a vetoed start
 * included) or it has ended (`stopped`, `failed`). A start may begin from here.
 *
 * @example
 * ```ts
 * const down = IDLE_STOPPED_OR_FAILED.has(child.state); // not starting, running or stopping
 * ```
 */
export const IDLE_STOPPED_OR_FAILED: ReadonlySet<LifecycleState> = new Set<LifecycleState>([
  'idle',
  'stopped',
  'failed',
]);

/**
 * Up or ended: `running`, `stopped` or `failed`; what a child forced to fail (`child.fail`)
 * is waited on to reach next.
 *
 * @example
 * ```ts
 * const landed = RUNNING_STOPPED_OR_FAILED.has(child.state);
 * ```
 */
export const RUNNING_STOPPED_OR_FAILED: ReadonlySet<LifecycleState> = new Set<LifecycleState>([
  'running',
  'stopped',
  'failed',
]);

/**
 * Every state but the two transitions (`starting`, `stopping`): where a start lands, whether
 * it runs, was vetoed (`idle`), or ended.
 *
 * @example
 * ```ts
 * const settled = NOT_IN_TRANSITION.has(child.state); // neither starting nor stopping
 * ```
 */
export const NOT_IN_TRANSITION: ReadonlySet<LifecycleState> = new Set<LifecycleState>([
  'idle',
  'running',
  'stopped',
  'failed',
]);

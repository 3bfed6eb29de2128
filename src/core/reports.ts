/**
 * The reports a supervisor emits for every decision it takes (OTP's supervisor reports).
 */

/**
 * The report types, in SPEC §3 order. `child.started`: the child reached `running`;
 * `child.failed`: it failed (or failed to start); `child.restarted`: it is running again after
 * a restart (automatic, manual or hard reset); `child.stopped`: it ended or was stopped,
 * including a start vetoed by `onStart`; `child.killed`: its stop overran `gracePeriod`;
 * `supervisor.intensity-exceeded`: the supervisor gave up and fails.
 *
 * Gotcha: one event can give two reports: a killed child also gets `child.stopped` or
 * `child.failed`, and a failed child that is restarted gets `child.failed` then
 * `child.restarted`.
 *
 * @example
 * ```ts
 * const alarming: SupervisorReportType[] = ['child.failed', 'child.killed'];
 * for (const type of alarming) actor.on(type, (r) => console.error(type, r.path.join('/'), r.reason));
 * ```
 */
export type SupervisorReportType =
  | 'child.started'
  | 'child.failed'
  | 'child.restarted'
  | 'child.stopped'
  | 'child.killed'
  | 'supervisor.intensity-exceeded';

/**
 * One decision of a supervisor, emitted on its actor (`actor.on('child.restarted', ...)`) and
 * bubbled up through every ancestor, so one listener on the root sees the whole tree.
 *
 * Gotchas: `path` is relative to the supervisor you listen to, so the same report reads
 * `['poller']` on `workers` and `['workers', 'poller']` on the root. `reason` is `unknown`:
 * an `Error` for failures, a string otherwise. Emitting costs nothing when nobody listens.
 *
 * @example
 * ```ts
 * actor.on('child.restarted', (r) =>
 *   console.log(`${r.path.join('/')} restarted (gen ${r.generation}) because ${String(r.reason)}`));
 * ```
 */
export interface SupervisorReport {
  /** Which decision (see {@link SupervisorReportType}). */
  readonly type: SupervisorReportType;
  /** The child's id (the supervisor's own for `supervisor.intensity-exceeded`). */
  readonly id: string;
  /** Ids from the emitting supervisor down to the child, e.g. `['workers', 'poller']`. */
  readonly path: readonly string[];
  /** The child's generation after the decision. */
  readonly generation: number;
  /**
   * The error, or why: `'normal'` (ended on its own), `'manual'`, `'hard-reset'`,
   * `'restart of "<id>"'` (a sibling's group restart), `'supervisor stopping'`,
   * `'start rolled back'`, `'removed'`, `'added'`, `'start vetoed by onStart'`.
   */
  readonly reason?: unknown;
  /** Restarts counted in the window at the time of the decision. */
  readonly restarts?: number;
}

/**
 * The reports a supervisor emits for every decision it takes (OTP's supervisor reports).
 */

/** The report types, in SPEC §3 order. */
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
 * @example
 * ```ts
 * actor.on('child.restarted', (r) =>
 *   console.log(`${r.path.join('/')} restarted (gen ${r.generation}) because ${String(r.reason)}`));
 * ```
 */
export interface SupervisorReport {
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

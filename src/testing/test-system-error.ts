/**
 * The error a test system throws: a wait that simulated time did not satisfy, a bad option,
 * a path that names no node, or a clock that cannot be installed.
 */
import { XstateSupervisorError } from '../core/errors.ts';

/**
 * Codes of {@link TestSystemError}:
 * `WAIT_TIMEOUT` (a `waitFor`, `start` or `shutdown` ran out of simulated time; the message
 * holds the tree), `ROOT_FAILED` (the root failed while `start()` waited for it to run),
 * `INVALID_OPTION`, `UNKNOWN_PATH`, `NOT_RUNNING` (`send` to a child with no running
 * generation), `CLOCK_IN_USE` (fake timers are already installed, by
 * another test system or the test runner), `NOT_STARTED`, `SHUT_DOWN`, `RUNAWAY_TIMERS`
 * (timers kept firing without simulated time moving).
 *
 * @example
 * ```ts
 * const code: TestSystemErrorCode = 'WAIT_TIMEOUT';
 * ```
 */
export type TestSystemErrorCode =
  | 'WAIT_TIMEOUT'
  | 'ROOT_FAILED'
  | 'INVALID_OPTION'
  | 'UNKNOWN_PATH'
  | 'NOT_RUNNING'
  | 'CLOCK_IN_USE'
  | 'NOT_STARTED'
  | 'SHUT_DOWN'
  | 'RUNAWAY_TIMERS';

/**
 * Thrown by a test system (`createTestSystem`). Branch on `code`.
 *
 * @example
 * ```ts
 * try {
 *   await t.waitFor('workers/poller', 'running', { timeout: 5_000 });
 * } catch (e) {
 *   if (e instanceof TestSystemError && e.code === 'WAIT_TIMEOUT') console.log(e.message); // has the tree
 * }
 * ```
 */
export class TestSystemError extends XstateSupervisorError {
  declare readonly code: TestSystemErrorCode;

  constructor(code: TestSystemErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

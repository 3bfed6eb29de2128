/**
 * The error a service action throws to answer a chosen HTTP status on purpose.
 */
import { XstateSupervisorError } from '../core/errors.ts';

/**
 * Thrown from a service action (`actions: { name(data, ctx) }`) to answer `status` with
 * `{ error: { code, message } }`. Any other error answers 500 with a generic message; its
 * message and stack only go to the log.
 *
 * @example
 * ```ts
 * const db = new Map<string, { name: string }>([['1', { name: 'Ada' }]]);
 * createService({
 *   id: 'users',
 *   iterate() {},
 *   actions: {
 *     find(data) {
 *       const user = db.get((data as { id: string }).id);
 *       if (!user) throw new ActionError(404, 'USER_NOT_FOUND', 'No such user.');
 *       return user;
 *     },
 *   },
 * });
 * ```
 */
export class ActionError extends XstateSupervisorError {
  /** The HTTP status to answer, 400 to 599. */
  readonly status: number;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new TypeError(
        `ActionError status must be an integer from 400 to 599, got ${String(status)}.`,
      );
    }
    super(code, message, options);
    this.status = status;
  }
}

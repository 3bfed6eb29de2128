/**
 * `PerformError`: how a control API client call (`perform()`, `controlRequest()`, the CLI)
 * reports that it did not get the answer it wanted.
 */
import { XstateSupervisorError } from '../core/errors.ts';

/**
 * Codes the client sets itself, when the server's own code is not available:
 * - `TIMEOUT`: no complete answer within `timeout` ms (`status` 0);
 * - `NETWORK`: the request could not be sent or the connection broke (`status` 0);
 * - `ABORTED`: the caller's `signal` aborted the request (`status` 0);
 * - `BAD_RESPONSE`: an answer came, but its body is not the JSON the contract promises
 *   (`status` is the HTTP status).
 */
export type PerformClientErrorCode = 'TIMEOUT' | 'NETWORK' | 'ABORTED' | 'BAD_RESPONSE';

/** The fields of a {@link PerformError}. */
export interface PerformErrorDetails {
  /** The HTTP status of the answer, or 0 when no answer came. */
  readonly status: number;
  /**
   * The server's error code (`UNKNOWN_ACTION`, `CHILD_BUSY`, `UNAUTHORIZED`, ...), or one of
   * {@link PerformClientErrorCode}.
   */
  readonly code: string;
  /** The full URL that was requested. */
  readonly url: string;
  /** What failed, which request, and what to do. */
  readonly message: string;
  /** The underlying error (a fetch `TypeError`, a JSON `SyntaxError`, ...), if any. */
  readonly cause?: unknown;
}

/**
 * The rejection of `perform()` and the error `controlRequest()` throws. Branch on `code`
 * (stable) or `status` (0 when no answer came), never on the message.
 *
 * Gotcha: a `status` of 0 does not prove the server did nothing. A `TIMEOUT` on a
 * `POST /services/.../restart` may still restart the child; read `GET /tree` before retrying.
 *
 * @example
 * ```ts
 * import { PerformError, perform } from 'xstate-supervisor';
 * try {
 *   await perform('http://127.0.0.1:8080', 'workers/poller', 'flush', null, { token });
 * } catch (e) {
 *   if (e instanceof PerformError && e.code === 'UNKNOWN_ACTION') console.error(e.message);
 *   else throw e;
 * }
 * ```
 */
export class PerformError extends XstateSupervisorError {
  /** The HTTP status of the answer, or 0 when no answer came (`TIMEOUT`, `NETWORK`, `ABORTED`). */
  readonly status: number;
  /** The full URL that was requested. */
  readonly url: string;
  constructor(details: PerformErrorDetails) {
    super(
      details.code,
      details.message,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.status = details.status;
    this.url = details.url;
  }
}

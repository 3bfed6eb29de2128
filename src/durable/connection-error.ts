/**
 * The error a durable backend raises when its server cannot be reached or refuses us: shared by
 * the PostgreSQL and Redis backends (queues, locks), so callers handle one class.
 */
import { XstateSupervisorError } from '../core/errors.ts';

/** Which server a {@link DurableConnectionError} is about. */
export type DurableBackendName = 'postgres' | 'redis';

/**
 * A durable backend could not connect (`code` `DURABLE_UNREACHABLE`: nothing answers at
 * `host:port`, or it timed out) or was refused (`DURABLE_AUTH_FAILED`: wrong credentials or
 * database). Thrown from the start of the service using the backend, so the service fails and
 * its supervisor restarts it per its strategy; `cause` holds the driver's error.
 *
 * @example
 * ```ts
 * try {
 *   await queue.enqueue({ to: 'a@example.com' });
 * } catch (e) {
 *   if (e instanceof DurableConnectionError) console.error(`${e.backend} down at ${e.host}:${e.port}`);
 * }
 * ```
 */
export class DurableConnectionError extends XstateSupervisorError {
  /** `postgres` or `redis`. */
  readonly backend: DurableBackendName;
  /** The host we tried. */
  readonly host: string;
  /** The port we tried. */
  readonly port: number;
  /** The user we logged in as, when known (never the password, which no message shows). */
  readonly user: string | undefined;
  constructor(
    backend: DurableBackendName,
    endpoint: { host: string; port: number; user?: string | undefined },
    cause: unknown,
    code: 'DURABLE_UNREACHABLE' | 'DURABLE_AUTH_FAILED' = 'DURABLE_UNREACHABLE',
  ) {
    const what = backend === 'postgres' ? 'PostgreSQL' : 'Redis';
    const reason = cause instanceof Error ? cause.message : String(cause);
    const fix =
      code === 'DURABLE_AUTH_FAILED'
        ? `check the user, password${backend === 'postgres' ? ' and database' : ''}`
        : `check that ${what} runs and listens there`;
    const as = endpoint.user === undefined ? '' : ` as user "${endpoint.user}"`;
    super(
      code,
      `Cannot connect to ${what} at ${endpoint.host}:${endpoint.port}${as} (${reason}); ${fix}.`,
      { cause },
    );
    this.backend = backend;
    this.host = endpoint.host;
    this.port = endpoint.port;
    this.user = endpoint.user;
  }
}

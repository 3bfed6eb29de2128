/**
 * The errors of process services: a child that exited on its own, and a child that could not
 * be started.
 */
import { XstateSupervisorError } from '../core/errors.ts';

/** What a child process left when it exited. */
export interface ProcessExitDetails {
  /** The service id. */
  readonly id: string;
  /** The child's pid. */
  readonly pid: number | undefined;
  /** The exit code, or null when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  /** The last lines the child wrote to stderr (at most `stderrTail`). */
  readonly stderrTail: readonly string[];
}

/**
 * The failure of a process service whose child exited with a non-zero code or by a signal
 * while it was running. `code` is `PROCESS_EXITED`; the message carries the exit code, the
 * signal and the tail of stderr, so `lastError` in `getTree()` shows them.
 *
 * @example
 * ```ts
 * const logger: Logger = { ...silentLogger, error: (obj) => {
 *   const err = typeof obj === 'object' ? obj.err : undefined;
 *   if (err instanceof ProcessExitError) console.log(err.exitCode, err.signal, err.stderrTail);
 * }, child: () => logger };
 * ```
 */
export class ProcessExitError extends XstateSupervisorError implements ProcessExitDetails {
  readonly id: string;
  readonly pid: number | undefined;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: readonly string[];
  constructor(details: ProcessExitDetails) {
    const how =
      details.signal === null ? `with code ${details.exitCode}` : `by signal ${details.signal}`;
    const tail =
      details.stderrTail.length === 0
        ? ' (nothing on stderr)'
        : `; last stderr lines:\n${details.stderrTail.join('\n')}`;
    super(
      'PROCESS_EXITED',
      `Child process of service "${details.id}" (pid ${details.pid}) exited ${how} while running${tail}`,
    );
    this.id = details.id;
    this.pid = details.pid;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail;
  }
}

/**
 * The start of a process service failed: the command or module was not found, or the spawn
 * failed (`EACCES`, `EAGAIN`, ...). `code` is `PROCESS_START_FAILED`; `cause` is the
 * system error.
 *
 * @example
 * ```ts
 * if (err instanceof ProcessStartError) console.error(err.message); // names the command
 * ```
 */
export class ProcessStartError extends XstateSupervisorError {
  /** The id of the process service whose child could not start. */
  readonly id: string;
  /** The module or command it tried to start. */
  readonly target: string;
  constructor(id: string, target: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      'PROCESS_START_FAILED',
      `Service "${id}" could not start its child process \`${target}\`: ${why}. Check the path, the PATH and the permissions.`,
      { cause },
    );
    this.id = id;
    this.target = target;
  }
}

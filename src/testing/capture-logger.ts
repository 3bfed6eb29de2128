/**
 * The logger a test system gives its tree: it keeps every record, in order, instead of
 * writing it anywhere.
 */
import type { Logger } from '../core/logger.ts';

/**
 * One captured log call: its level, its message, and the fields (the child bindings such as
 * `service` or `supervisor`, then the call's own object, e.g. `err`).
 *
 * @example
 * ```ts
 * const failures = t.logs.filter((r: LogRecord) => r.level === 'error' && r.service === 'poller');
 * ```
 */
export interface LogRecord {
  /** The level of the call. */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** The message (empty when the call gave only an object). */
  readonly msg: string;
  /** The simulated `Date.now()` when it was logged. */
  readonly time: number;
  /** Bindings and the call's own fields. */
  readonly [field: string]: unknown;
}

/** A logger that appends every call to `records`, shared by all its children. @internal */
export function captureLogger(
  records: LogRecord[],
  bindings: Readonly<Record<string, unknown>> = {},
): Logger {
  const at =
    (level: LogRecord['level']) =>
    (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
      const own = typeof objOrMsg === 'string' ? {} : objOrMsg;
      const text = typeof objOrMsg === 'string' ? objOrMsg : (msg ?? '');
      records.push({ ...bindings, ...own, level, msg: text, time: Date.now() });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => captureLogger(records, { ...bindings, ...more }),
  };
}

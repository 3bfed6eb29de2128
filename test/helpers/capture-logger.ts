/**
 * A logger that records what it is given, so tests stay quiet and can assert on log lines.
 */
import type { Logger } from '../../src/index.ts';

export type CapturedLevel = 'debug' | 'info' | 'warn' | 'error';

/** One log call, with the child bindings merged into `fields`. */
export interface LogEntry {
  readonly level: CapturedLevel;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface CapturingLogger extends Logger {
  /** Every call, in order, shared by the logger and all its children. */
  readonly entries: LogEntry[];
  /** The entries of one level. */
  at(level: CapturedLevel): LogEntry[];
  /** The entries whose message contains `text`. */
  find(text: string): LogEntry[];
}

export function createCapturingLogger(
  entries: LogEntry[] = [],
  bindings: Record<string, unknown> = {},
): CapturingLogger {
  const make =
    (level: CapturedLevel) =>
    (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
      const obj = typeof objOrMsg === 'string' ? {} : objOrMsg;
      const text = typeof objOrMsg === 'string' ? objOrMsg : (msg ?? '');
      entries.push({ level, msg: text, fields: { ...bindings, ...obj } });
    };
  return {
    entries,
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    child: (more) => createCapturingLogger(entries, { ...bindings, ...more }),
    at: (level) => entries.filter((e) => e.level === level),
    find: (text) => entries.filter((e) => e.msg.includes(text)),
  };
}

/**
 * A logger for runs too long to keep every line: it counts lines per level and keeps the first
 * few of each level, with their fields, for the report of a failure.
 */
import type { Logger } from '../../src/index.ts';
import type { LogEntry as KeptLine, CapturedLevel as Level } from '../helpers/capture-logger.ts';

export interface CountingLogger extends Logger {
  /** Lines per level. */
  readonly counts: Record<Level, number>;
  /** The first `keep` lines of each level. */
  readonly kept: KeptLine[];
}

/**
 * A counting logger; `keep` lines of each level are kept whole.
 *
 * @example
 * ```ts
 * const logger = countingLogger();
 * createControlServer(actor, { logger });
 * logger.counts.error; // 0 after a storm of client mistakes
 * ```
 */
export function countingLogger(keep = 20): CountingLogger {
  const counts: Record<Level, number> = { debug: 0, info: 0, warn: 0, error: 0 };
  const kept: KeptLine[] = [];
  const make = (bindings: Record<string, unknown>): CountingLogger => {
    const log =
      (level: Level) =>
      (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
        counts[level]++;
        if (counts[level] > keep) return;
        const obj = typeof objOrMsg === 'string' ? {} : objOrMsg;
        const text = typeof objOrMsg === 'string' ? objOrMsg : (msg ?? '');
        kept.push({ level, msg: text, fields: { ...bindings, ...obj } });
      };
    return {
      counts,
      kept,
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}

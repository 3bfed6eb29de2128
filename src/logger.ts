/**
 * Logging with pino's shape, so a pino logger can be passed as it is.
 */

/** A log method: `(obj, msg)` or `(msg)`, as pino accepts. */
export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

/**
 * The logger interface: pino's `info/warn/error/debug/child`.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * createService({ id: 'job', iterate() {}, logger: pino() });
 * ```
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** Levels in order of severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /**
   * Lowest level written.
   * @default 'info' (or `XSTATE_SUPERVISOR_LOG_LEVEL` from the environment)
   */
  level?: LogLevel;
  /**
   * Where lines go.
   * @default process.stderr
   */
  write?: (line: string) => void;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A logger that writes readable lines (`12:00:01.234 ERROR [poller] iteration failed gen=0 ...`)
 * to stderr. Errors under the `err` key are printed with their stack on the following lines.
 *
 * @example
 * ```ts
 * const logger = createConsoleLogger({ level: 'debug' });
 * logger.child({ service: 'poller' }).info('started');
 * ```
 */
export function createConsoleLogger(
  options: ConsoleLoggerOptions = {},
  bindings: Record<string, unknown> = {},
): Logger {
  const envLevel = process.env.XSTATE_SUPERVISOR_LOG_LEVEL as LogLevel | undefined;
  const level: LogLevel = options.level ?? (envLevel && envLevel in RANK ? envLevel : 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  return new ConsoleLogger({ min: RANK[level], write }, bindings);
}

interface ConsoleConfig {
  readonly min: number;
  readonly write: (line: string) => void;
}

/**
 * The console logger. A class, so a `child()` (one per supervised service) costs one small
 * object, not a set of closures.
 */
class ConsoleLogger implements Logger {
  private readonly config: ConsoleConfig;
  private readonly bindings: Record<string, unknown>;
  constructor(config: ConsoleConfig, bindings: Record<string, unknown>) {
    this.config = config;
    this.bindings = bindings;
  }
  debug(objOrMsg: Record<string, unknown> | string, msg?: string): void {
    this.log('debug', objOrMsg, msg);
  }
  info(objOrMsg: Record<string, unknown> | string, msg?: string): void {
    this.log('info', objOrMsg, msg);
  }
  warn(objOrMsg: Record<string, unknown> | string, msg?: string): void {
    this.log('warn', objOrMsg, msg);
  }
  error(objOrMsg: Record<string, unknown> | string, msg?: string): void {
    this.log('error', objOrMsg, msg);
  }
  child(more: Record<string, unknown>): Logger {
    return new ConsoleLogger(this.config, { ...this.bindings, ...more });
  }

  private log(
    lvl: Exclude<LogLevel, 'silent'>,
    objOrMsg: Record<string, unknown> | string,
    msg?: string,
  ): void {
    if (RANK[lvl] < this.config.min) return;
    const obj = typeof objOrMsg === 'string' ? {} : objOrMsg;
    const text = typeof objOrMsg === 'string' ? objOrMsg : (msg ?? '');
    const all = { ...this.bindings, ...obj };
    const path = all.path ?? all.service ?? all.supervisor;
    delete all.path;
    delete all.service;
    delete all.supervisor;
    let stack = '';
    const fields: string[] = [];
    for (const [k, v] of Object.entries(all)) {
      if (v instanceof Error) {
        fields.push(`${k}=${formatValue(v.message)}`);
        stack = `\n    ${(v.stack ?? v.message).split('\n').join('\n    ')}`;
      } else if (v !== undefined) fields.push(`${k}=${formatValue(v)}`);
    }
    const time = new Date().toISOString().slice(11, 23);
    const where =
      path === undefined ? '' : ` [${Array.isArray(path) ? path.join('/') : String(path)}]`;
    this.config.write(
      `${time} ${lvl.toUpperCase().padEnd(5)}${where} ${text}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}`,
    );
  }
}

/**
 * A logger that drops everything, for tests and benchmarks.
 *
 * @example
 * ```ts
 * createActor(createService({ id: 'quiet', iterate() {}, logger: silentLogger })).start();
 * ```
 */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/**
 * Logging with pino's shape, so a pino logger can be passed as it is.
 */

/**
 * A log method: `(obj, msg)` or `(msg)`, as pino accepts.
 *
 * The package always logs errors under the `err` key (pino's convention), so a pino logger
 * serialises them with their stack.
 *
 * @example
 * ```ts
 * const info: LogFn = (objOrMsg: Record<string, unknown> | string, msg?: string) =>
 *   console.log(typeof objOrMsg === 'string' ? objOrMsg : `${msg ?? ''} ${JSON.stringify(objOrMsg)}`);
 * info({ generation: 0 }, 'started');
 * info('started');
 * ```
 */
export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

/**
 * The logger interface: pino's `info/warn/error/debug/child`, so a pino logger can be passed
 * as it is (`logger: pino()`).
 *
 * `child(bindings)` is called once per service and supervisor (with `{ service: id }`,
 * `{ supervisor: id }` or `{ path }`), so keep it cheap. Iterations log nothing at `info`:
 * only failures (`error`), kills (`warn`) and supervisor decisions are logged.
 *
 * @example
 * ```ts
 * const to =
 *   (out: (...args: unknown[]) => void): LogFn =>
 *   (obj: Record<string, unknown> | string, msg?: string) =>
 *     out(msg ?? '', obj);
 * const logger: Logger = {
 *   debug: () => {},
 *   info: to(console.info),
 *   warn: to(console.warn),
 *   error: to(console.error),
 *   child: () => logger,
 * };
 * createService({ id: 'job', iterate() {}, logger });
 * ```
 */
export interface Logger {
  /** Detail: `child.started` decisions. */
  debug: LogFn;
  /** Lifecycle: stops, restarts, signals. */
  info: LogFn;
  /** Kills, `child.failed` reports, refused commands. */
  warn: LogFn;
  /** Iteration failures, failed starts, throwing hooks, intensity exceeded, the root failing. */
  error: LogFn;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * Levels of {@link createConsoleLogger}, in order of severity; `silent` writes nothing.
 *
 * @example
 * ```ts
 * const level: LogLevel = process.env.NODE_ENV === 'test' ? 'silent' : 'info';
 * const logger = createConsoleLogger({ level });
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/**
 * Options of {@link createConsoleLogger}.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const logger = createConsoleLogger({ level: 'debug', write: (line) => lines.push(line) });
 * ```
 */
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
 * A logger that writes readable lines (`12:00:01.234 ERROR [poller] iteration failed
 * generation=0 ...`, UTC time) to stderr. An `Error` field (`err`, by convention) is printed
 * with its stack on the following lines. The default logger of every service and supervisor.
 *
 * The level comes from `options.level`, else `XSTATE_SUPERVISOR_LOG_LEVEL`, read when the
 * logger is created. `bindings` are fields added to every line. The first of `path`,
 * `service` and `supervisor` becomes the bracketed prefix; the other two are not printed.
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
 * Gotcha: it drops failures too (iteration errors, kills, refused commands); in production,
 * pass a real logger or listen to the supervisor's reports.
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

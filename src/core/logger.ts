/**
 * Logging with pino's shape, so a pino logger can be passed as it is.
 */

/**
 * A log method: `(obj, msg)` or `(msg)`, as pino accepts.
 *
 * The package always logs errors under the `err` key (pino's convention), so a pino logger
 * serializes them with their stack.
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
  /**
   * Detail: `child.started` decisions, `child.failed` for a child that logged its own
   * failure (with the message; the stack is on the child's line), and `child.killed` for a
   * service (its own `generation killed` is the kill's line).
   */
  debug: LogFn;
  /** Lifecycle: stops, restarts, signals. */
  info: LogFn;
  /** Kills, refused commands. */
  warn: LogFn;
  /**
   * Iteration failures, failed starts, throwing hooks, intensity exceeded, the root failing,
   * and `child.failed` for a child that does not log its own failures (your own machines).
   */
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
/** pino's numbers for the levels, used by the JSON format. */
const PINO_LEVEL: Record<Exclude<LogLevel, 'silent'>, number> = {
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
};

/**
 * The formats of {@link createConsoleLogger}: `'pretty'` for people, `'json'` for machines.
 *
 * @example
 * ```ts
 * const format: LogFormat = process.env.NODE_ENV === 'production' ? 'json' : 'pretty';
 * ```
 */
export type LogFormat = 'pretty' | 'json';

const ANSI = {
  debug: '\x1b[90m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  path: '\x1b[36m',
  dim: '\x1b[2m',
  reset: '\x1b[0m',
} as const;

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
   * `'pretty'`: a readable line per event, for a terminal. `'json'`: one JSON object per line
   * in pino's shape (`level` 20/30/40/50, `time` in ms, `msg`, the fields, `err` with `type`,
   * `message` and `stack`), for log collectors and `pino-pretty`.
   * @default `XSTATE_SUPERVISOR_LOG_FORMAT` from the environment, else `'json'` when
   * `NODE_ENV` is `production`, else `'pretty'`
   */
  format?: LogFormat;
  /**
   * Colour the pretty format (level, path, stack) with ANSI escapes.
   * @default true when writing to a terminal (stderr is a TTY) and `NO_COLOR` is not set
   */
  color?: boolean;
  /**
   * Where lines go.
   * @default process.stderr
   */
  write?: (line: string) => void;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A logger that writes one line per event to stderr: readable and coloured in development
 * (`12:00:01.234 ERROR [root/poller] iteration failed generation=0 ...`, UTC time), one JSON
 * object in production (`NODE_ENV=production`, or `format: 'json'`). The default logger of
 * `run()` and of every service and supervisor.
 *
 * An `Error` field (`err`, by convention) is written with its stack (and its `cause`) the
 * first time this logger or one of its children writes that error; later lines about the same
 * error carry its message only. (The package itself gives `err` to one line per failure, so
 * that holds with pino too.)
 *
 * The level comes from `options.level`, else `XSTATE_SUPERVISOR_LOG_LEVEL`, read when the
 * logger is created. `bindings` are fields added to every line. In the pretty format, the
 * first of `path`, `service` and `supervisor` becomes the bracketed prefix and the other two
 * are not printed; the JSON format keeps them all.
 *
 * @example
 * ```ts
 * const logger = createConsoleLogger({ level: 'debug' });
 * logger.child({ service: 'poller' }).info('started');
 * const json = createConsoleLogger({ format: 'json' }); // {"level":30,"time":...,"msg":...}
 * ```
 */
export function createConsoleLogger(
  options: ConsoleLoggerOptions = {},
  bindings: Record<string, unknown> = {},
): Logger {
  const env = process.env;
  const envLevel = env.XSTATE_SUPERVISOR_LOG_LEVEL as LogLevel | undefined;
  const level: LogLevel = options.level ?? (envLevel && envLevel in RANK ? envLevel : 'info');
  const envFormat = env.XSTATE_SUPERVISOR_LOG_FORMAT;
  const format: LogFormat =
    options.format ??
    (envFormat === 'json' || envFormat === 'pretty'
      ? envFormat
      : env.NODE_ENV === 'production'
        ? 'json'
        : 'pretty');
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const color =
    options.color ??
    (options.write === undefined && process.stderr.isTTY === true && !env.NO_COLOR);
  return new ConsoleLogger(
    { min: RANK[level], write, json: format === 'json', color, stacksWritten: new WeakSet() },
    bindings,
  );
}

interface ConsoleConfig {
  readonly min: number;
  readonly write: (line: string) => void;
  readonly json: boolean;
  readonly color: boolean;
  /** Errors whose stack this logger (or a child) has written: later lines give the message. */
  readonly stacksWritten: WeakSet<Error>;
}

/** The stack of `error`, then those of its causes (`Caused by: ...`). */
function fullStack(error: Error): string {
  let text = error.stack ?? `${error.name}: ${error.message}`;
  let cause = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    text += `\nCaused by: ${cause.stack ?? cause.message}`;
    cause = cause.cause;
  }
  return text;
}

/** An error as pino's serializer writes it; `stack` only the first time. */
function serializeError(error: Error, withStack: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (withStack) out.stack = fullStack(error);
  return out;
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
    this.config.write(
      this.config.json ? this.jsonLine(lvl, text, all) : this.prettyLine(lvl, text, all),
    );
  }

  /** Whether `error`'s stack is to be written now (the first time only). */
  private firstTime(error: Error): boolean {
    const seen = this.config.stacksWritten;
    if (seen.has(error)) return false;
    seen.add(error);
    return true;
  }

  private jsonLine(
    lvl: Exclude<LogLevel, 'silent'>,
    msg: string,
    all: Record<string, unknown>,
  ): string {
    const record: Record<string, unknown> = { level: PINO_LEVEL[lvl], time: Date.now() };
    for (const [k, v] of Object.entries(all)) {
      if (k === 'level' || k === 'time' || k === 'msg') continue;
      record[k] = v instanceof Error ? serializeError(v, this.firstTime(v)) : v;
    }
    record.msg = msg;
    try {
      return JSON.stringify(record);
    } catch {
      // A field that cannot be serialized (a cycle, a BigInt) must not lose the line.
      return JSON.stringify({ level: record.level, time: record.time, msg });
    }
  }

  private prettyLine(
    lvl: Exclude<LogLevel, 'silent'>,
    text: string,
    all: Record<string, unknown>,
  ): string {
    const { color } = this.config;
    const path = all.path ?? all.service ?? all.supervisor;
    delete all.path;
    delete all.service;
    delete all.supervisor;
    let stack = '';
    const fields: string[] = [];
    for (const [k, v] of Object.entries(all)) {
      if (v instanceof Error) {
        const first = this.firstTime(v);
        fields.push(`${k}=${formatValue(v.message)}${first ? '' : ' (stack above)'}`);
        if (first) {
          const body = `\n    ${fullStack(v).split('\n').join('\n    ')}`;
          stack = color ? `${ANSI.dim}${body}${ANSI.reset}` : body;
        }
      } else if (v !== undefined) fields.push(`${k}=${formatValue(v)}`);
    }
    const time = new Date().toISOString().slice(11, 23);
    const name = lvl.toUpperCase().padEnd(5);
    const label = color ? `${ANSI[lvl]}${name}${ANSI.reset}` : name;
    const where = path === undefined ? '' : Array.isArray(path) ? path.join('/') : String(path);
    const prefix =
      where === '' ? '' : color ? ` ${ANSI.path}[${where}]${ANSI.reset}` : ` [${where}]`;
    return `${time} ${label}${prefix} ${text}${fields.length ? ` ${fields.join(' ')}` : ''}${stack}`;
  }
}

/** Errors some line has already been given, with their stack, as `err` (decision 0095). */
const failuresLogged = new WeakSet<object>();

/**
 * Failures whose one line has been written by the child that had them, and whose supervisor
 * report has not been made yet. Taken by that report, so the level is decided per failure: an
 * error object thrown again (a cached one) is a new failure, and gets its own line.
 */
const linesPending = new WeakSet<object>();

/**
 * Records that this failure of `error` has had its line, with its stack (as `err`), so the
 * next supervisor report about it is at debug, and later lines carry its message only.
 * @internal
 */
export function markLogged(error: unknown): void {
  if (typeof error === 'object' && error !== null) {
    failuresLogged.add(error);
    linesPending.add(error);
  }
}

/** Whether `error`'s stack has been logged already (by {@link markLogged} or a line). @internal */
export function wasLogged(error: unknown): boolean {
  return typeof error === 'object' && error !== null && failuresLogged.has(error);
}

/**
 * Whether the failure a report is about had its line from the child (since its last report),
 * clearing that: each failure is decided on its own, even with the same error object. @internal
 */
export function takeLogged(error: unknown): boolean {
  return typeof error === 'object' && error !== null && linesPending.delete(error);
}

/**
 * The fields of a line about `error`: `err` (its stack) the first time a line is about it,
 * then only its message and code, so every failure's stack is in the log once, with any
 * logger (a pino serializer writes `err`'s stack each time it is given one). @internal
 */
export function errorFields(error: Error): Record<string, unknown> {
  if (!wasLogged(error)) {
    failuresLogged.add(error);
    return { err: error };
  }
  const code = (error as { code?: unknown }).code;
  return code === undefined ? { reason: error.message } : { reason: error.message, code };
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

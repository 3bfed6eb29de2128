/**
 * The options of `run()` and their validation: every bad option of one call is reported in one
 * error, so a config with three mistakes takes one fix, not three restarts.
 */
import { constants } from 'node:os';
import { type ControlServerOptions, checkControlOptions } from '../control/server.ts';
import { type ConfigErrorDetails, describeValue, XstateSupervisorError } from '../core/errors.ts';
import { createConsoleLogger, type Logger } from '../core/logger.ts';
import { checkInspectorOptions, type InspectorServerOptions } from '../inspector/server.ts';
import { checkTelemetryOptions, type TelemetryOptions } from '../telemetry/instrument.ts';

/**
 * Options of {@link run}. Every option is checked when `run()` is called; an unknown name or a
 * bad value throws a {@link RunOptionsError} listing every bad option of the call.
 *
 * @example
 * ```ts
 * const root = createSupervisor({ id: 'root', children: [] });
 * // Embedded (in a test, or a host that owns the process): no process.exit, read `done`.
 * const handle = run(root, { exit: false, shutdownTimeout: 10_000, logger: silentLogger });
 * ```
 */
export interface RunOptions {
  /**
   * How long a graceful shutdown may take. When it runs out, every queue worker in the tree
   * hands the tasks it has not processed to its `onDiscard` (or logs their count), and the run
   * ends with code 70.
   * @default 60000
   */
  shutdownTimeout?: number;
  /**
   * How long, on a signal or `POST /shutdown`, readiness fails (`/readyz` answers 503) before
   * the graceful shutdown begins, so load balancers and Kubernetes stop sending traffic first
   * (lightship's rule). The process keeps serving meanwhile. `shutdownTimeout` counts from the
   * end of the delay. No delay when the signal comes during the start (nothing was ready),
   * nor for `handle.stop()`. A second signal during the delay ends the run with code 70.
   * @default 0
   */
  shutdownDelay?: number;
  /**
   * How long, once `shutdownTimeout` has run out (or a second signal came), the queue
   * workers' `onDiscard` may take before the process exits anyway. The process exits at most
   * `shutdownTimeout + discardTimeout` after the signal.
   * @default 1000
   */
  discardTimeout?: number;
  /**
   * Signals that start a graceful shutdown, from the moment `run()` is called (a signal during
   * the start stops what has started). A second one during the shutdown ends the run with
   * code 70, after the queues' leftovers are handed over.
   * @default ['SIGINT', 'SIGTERM']
   */
  signals?: NodeJS.Signals[];
  /**
   * The logger for the runner and, unless they have their own, the whole tree.
   * @default a console logger on stderr
   */
  logger?: Logger;
  /**
   * Call `process.exit(code)` when the run ends by a signal, a timeout or a root failure. The
   * exit comes after `handle.done` has resolved and the code awaiting it has run up to its
   * next wait for I/O or a timer. Turn off to embed `run()`, or to do async work after `done`.
   * @default true
   */
  exit?: boolean;
  /**
   * Starts the control API once the tree runs (`POST /shutdown` then stops the run as a signal
   * would). `await handle.ready` gives `handle.control.url` (port 0 picks a free port).
   * @default undefined (no control API)
   */
  control?: Pick<
    ControlServerOptions,
    'port' | 'host' | 'token' | 'allowedHosts' | 'protectProbes'
  >;
  /**
   * Starts the inspector (a live web page of the tree) once the tree runs; with `control`
   * on, its buttons command the tree. `await handle.ready` gives `handle.inspector.url`.
   * @default undefined (no inspector)
   */
  inspector?: Pick<InspectorServerOptions, 'port' | 'host' | 'stately' | 'title' | 'allowedHosts'>;
  /**
   * OpenTelemetry spans and metrics for the tree (see `instrumentTree`): `true` for the global
   * providers, or the providers to use. Needs `@opentelemetry/api` installed; without it, a
   * warning is logged and the tree runs without. The tree starts once it is loaded.
   * @default false (nothing of OpenTelemetry is loaded)
   */
  telemetry?: boolean | TelemetryOptions;
}

/**
 * One bad option of a `run()` call: which, what was received, what was expected, and its own
 * stable `code` (`RUN_OPTION_UNKNOWN`, `RUN_OPTION_INVALID`, or the control or inspector
 * server's code for a bad option inside `control` or `inspector`).
 *
 * @example
 * ```ts
 * const problem: RunOptionProblem = {
 *   code: 'RUN_OPTION_INVALID',
 *   option: 'control',
 *   received: true,
 *   expected: 'an object such as { port: 9464 }',
 *   message: 'Invalid option `control` of run(): expected an object such as { port: 9464 }, got `true` (boolean).',
 * };
 * ```
 */
export interface RunOptionProblem extends ConfigErrorDetails {
  /** A stable code for this problem. */
  readonly code: string;
  /** This problem in words. */
  readonly message: string;
}

/**
 * Thrown by {@link run} when its options are bad. It lists every bad option of the call in
 * `problems` (in the order of the options) and in its message; `code`, `option`, `received`
 * and `expected` are the first problem's, as a config error's are.
 *
 * @example
 * ```ts
 * try {
 *   run(root, { control: true, shutdownTimeout: -1 } as never);
 * } catch (e) {
 *   if (e instanceof RunOptionsError) for (const p of e.problems) console.error(p.option, p.expected);
 * }
 * ```
 */
export class RunOptionsError extends XstateSupervisorError implements ConfigErrorDetails {
  readonly option: string;
  readonly received: unknown;
  readonly expected: string;
  readonly owner: undefined;
  /** Every bad option of the call, the first one first. */
  readonly problems: readonly RunOptionProblem[];
  constructor(problems: readonly [RunOptionProblem, ...RunOptionProblem[]]) {
    const [first] = problems;
    super(
      first.code,
      problems.length === 1
        ? first.message
        : `${problems.length} bad options of run():\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
    );
    this.option = first.option;
    this.received = first.received;
    this.expected = first.expected;
    this.problems = problems;
  }
}

/** The options of a run, checked, with their defaults. @internal */
export interface ResolvedRunOptions {
  readonly shutdownTimeout: number;
  readonly shutdownDelay: number;
  readonly discardTimeout: number;
  readonly signals: readonly NodeJS.Signals[];
  readonly logger: Logger;
  readonly exit: boolean;
  readonly control: RunOptions['control'];
  readonly inspector: RunOptions['inspector'];
  readonly telemetry: true | TelemetryOptions | undefined;
}

const KNOWN = [
  'shutdownTimeout',
  'shutdownDelay',
  'discardTimeout',
  'signals',
  'logger',
  'exit',
  'control',
  'inspector',
  'telemetry',
];
/** Signals a process cannot catch: listening to them throws. */
const UNCATCHABLE = new Set(['SIGKILL', 'SIGSTOP']);
const LOG_METHODS = ['debug', 'info', 'warn', 'error', 'child'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects the problems of one call; `problems` is in the order the options were checked. */
class Problems {
  readonly list: RunOptionProblem[] = [];

  invalid(option: string, received: unknown, expected: string): void {
    this.list.push({
      code: 'RUN_OPTION_INVALID',
      option,
      received,
      expected,
      message: `Invalid option \`${option}\` of run(): expected ${expected}, got ${describeValue(received)}.`,
    });
  }

  unknown(option: string, received: unknown): void {
    this.list.push({
      code: 'RUN_OPTION_UNKNOWN',
      option,
      received,
      expected: `no such option; known options are ${KNOWN.join(', ')}`,
      message: `Unknown option \`${option}\` of run(): known options are ${KNOWN.join(', ')}.`,
    });
  }

  /** A server's own check of its options threw: keep its code and message. */
  server(option: string, received: unknown, check: () => void): void {
    try {
      check();
    } catch (e) {
      const error = e as { code?: unknown; message?: unknown };
      const message = String(error.message ?? e);
      this.list.push({
        code: typeof error.code === 'string' ? error.code : 'RUN_OPTION_INVALID',
        option,
        received,
        expected: `valid ${option} options (${message})`,
        message,
      });
    }
  }
}

function checkDuration(p: Problems, o: Record<string, unknown>, option: string): void {
  const value = o[option];
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
    p.invalid(option, value, 'a finite number of milliseconds >= 0');
  }
}

function checkSignals(p: Problems, value: unknown): void {
  if (value === undefined) return;
  const ok =
    Array.isArray(value) &&
    value.every((s) => typeof s === 'string' && s in constants.signals && !UNCATCHABLE.has(s));
  if (!ok) {
    p.invalid('signals', value, "an array of signal names a process can catch, e.g. ['SIGTERM']");
  }
}

function checkServer(
  p: Problems,
  option: 'control' | 'inspector',
  value: unknown,
  check: (options: object, caller: string) => void,
): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) {
    p.invalid(
      option,
      value,
      `an object such as { port: ${option === 'control' ? 9464 : 9465} }, or no \`${option}\` at all`,
    );
    return;
  }
  p.server(option, value, () => check(value, `run() option \`${option}\``));
}

/**
 * Checks the options of one `run()` call and applies the defaults; throws a
 * {@link RunOptionsError} naming every bad option.
 * @internal
 */
export function resolveRunOptions(options: unknown): ResolvedRunOptions {
  const p = new Problems();
  if (!isPlainObject(options)) {
    p.invalid('options', options, 'an object of options, or nothing');
    throw new RunOptionsError(p.list as [RunOptionProblem]);
  }
  for (const key of Object.keys(options)) if (!KNOWN.includes(key)) p.unknown(key, options[key]);
  checkDuration(p, options, 'shutdownTimeout');
  checkDuration(p, options, 'shutdownDelay');
  checkDuration(p, options, 'discardTimeout');
  checkSignals(p, options.signals);
  const logger = options.logger;
  if (
    logger !== undefined &&
    (!isPlainObject(logger) || LOG_METHODS.some((m) => typeof logger[m] !== 'function'))
  ) {
    p.invalid('logger', logger, `a Logger (an object with ${LOG_METHODS.join(', ')})`);
  }
  if (options.exit !== undefined && typeof options.exit !== 'boolean') {
    p.invalid('exit', options.exit, 'true or false');
  }
  checkServer(p, 'control', options.control, checkControlOptions);
  checkServer(p, 'inspector', options.inspector, checkInspectorOptions);
  const telemetry = options.telemetry;
  if (telemetry !== undefined && typeof telemetry !== 'boolean') {
    p.server('telemetry', telemetry, () =>
      checkTelemetryOptions(telemetry, 'run() option `telemetry`'),
    );
  }
  const [first, ...rest] = p.list;
  if (first) throw new RunOptionsError([first, ...rest]);
  const o = options as RunOptions;
  return {
    shutdownTimeout: o.shutdownTimeout ?? 60_000,
    shutdownDelay: o.shutdownDelay ?? 0,
    discardTimeout: o.discardTimeout ?? 1_000,
    signals: o.signals ?? ['SIGINT', 'SIGTERM'],
    logger: o.logger ?? createConsoleLogger(),
    exit: o.exit ?? true,
    control: o.control,
    inspector: o.inspector,
    telemetry: o.telemetry === false ? undefined : o.telemetry,
  };
}

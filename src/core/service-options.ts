/**
 * The options of `createService`, their defaults, and their validation.
 */

import { type ConfigErrorDetails, ServiceConfigError } from './errors.ts';
import type { RestartType } from './exit-reason.ts';
import type { Logger } from './logger.ts';
import {
  resolveServiceConfig,
  type ServiceConfig,
  type ServiceConfigOptions,
} from './service-config.ts';
import { resolveServiceHooks, type ServiceHooks } from './service-hooks.ts';
import type { SharedContext } from './shared-context-api.ts';
import {
  checkBoolean,
  checkDuration,
  checkFunction,
  checkId,
  checkInteger,
  checkKnown,
  checkObject,
  checkOneOf,
  type Fail,
} from './validate.ts';

/**
 * Options of `ctx.task()`.
 *
 * @example
 * ```ts
 * createService({
 *   id: 'uploader',
 *   async iterate(ctx) {
 *     const options: TaskOptions = { cancel: true }; // abort at once on stop
 *     void ctx.task((signal) => fetch('http://127.0.0.1:8080/upload', { signal }), options);
 *   },
 * });
 * ```
 */
export interface TaskOptions {
  /**
   * On stop, abort the task's signal at once (`true`), or wait for it to finish (`false`,
   * within `gracefulWaitTimeout`).
   * @default false
   */
  cancel?: boolean;
}

/**
 * What an iteration, `onStart` and `onStop` receive: one object per generation, shared by the
 * three, so it can be destructured (`async iterate({ signal, stop })`).
 *
 * Gotcha: a hard reset gives the iterations a new context (new `generation`, new `signal`)
 * without running `onStart` again, so do not tie what `onStart` sets up to its `signal`.
 *
 * @example
 * ```ts
 * createService({
 *   id: 'poller',
 *   async iterate(ctx) {
 *     if (ctx.iteration === 2) ctx.stop(); // this iteration is the last
 *     await fetch('http://127.0.0.1:8080/health', { signal: ctx.signal });
 *   },
 * });
 * ```
 */
export interface ServiceContext<Config = ServiceConfig> {
  /** The service id. */
  readonly id: string;
  /**
   * The service's `config`, validated and coerced once by `createService` (see
   * {@link ServiceConfigOptions}); the same frozen object in every generation. `{}` without a
   * `config` option.
   */
  readonly config: Config;
  /**
   * 0-based number of this iteration in the current generation; failed ones count. In
   * `onStart` it is 0; in `onStop`, the number of the last iteration.
   */
  readonly iteration: number;
  /** 0 for the first run, +1 on every later start, restart or hard reset. */
  readonly generation: number;
  /**
   * Aborted when the generation is asked to end: a stop, a hard reset, the failure limit, the
   * actor being stopped. Already aborted in `onStop`, so do not pass it to cleanup work there.
   * The AbortController is only made on first read; the abort reason is one `DOMException`
   * named `AbortError`, shared by every service (compare by `name`, do not mutate it).
   */
  readonly signal: AbortSignal;
  /** The service's logger (bound to its id). */
  readonly logger: Logger;
  /**
   * Finish after this iteration: the service ends normally (`Normal`). Safe to call from
   * anywhere and never waits; it ends a pending wait between iterations at once. Called in
   * `onStart`, no iteration runs at all. Ignored once the generation is fenced.
   */
  stop(): void;
  /**
   * Count a failure without throwing (SuperLoops `failure()`); the caller carries on. Each call
   * counts once. Ignored once the generation is fenced.
   */
  fail(error?: unknown): void;
  /**
   * Starts background work (aiomisc graceful task) tied to this generation: on stop it is
   * awaited (`cancel: false`, the default) or aborted through its signal (`cancel: true`),
   * within `gracefulWaitTimeout`. A task that rejects counts as a failure of the service; the
   * returned promise may be awaited or ignored.
   */
  task<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options?: TaskOptions): Promise<T>;
  /**
   * The context shared by every service of the tree (aiomisc's entrypoint context):
   * `await ctx.context.get(DB)` waits, bounded by `ctx.signal`, for the value another service
   * `set`s; what this generation sets is cleared when it ends. See `createContextKey`.
   */
  readonly context: SharedContext;
}

/**
 * Options of {@link createService}. Times are in milliseconds.
 *
 * Validated once, by `createService`: an unknown name (a typo) or a bad value throws a
 * `ServiceConfigError`, never a silent default. `minPeriod` and `interval` exclude each other.
 *
 * @example
 * ```ts
 * const poller = createService({
 *   id: 'poller',
 *   minPeriod: 5_000,
 *   maxFailures: 3,
 *   async iterate(ctx) {
 *     await fetch('http://127.0.0.1:8080/health', { signal: ctx.signal });
 *   },
 * });
 * ```
 */
export interface ServiceOptions<
  Config = ServiceConfig,
  Def extends ServiceConfigOptions | undefined = ServiceConfigOptions | undefined,
> {
  /** Unique among siblings; `[A-Za-z0-9_.-]+`, not only dots. Required. */
  id: string;
  /**
   * The unit of work, run again and again until the service stops. Sync or async; a throw or
   * a rejection is a counted failure. Required.
   */
  iterate: (ctx: ServiceContext<Config>) => unknown;
  /**
   * aiomisc `__required__`: the values the service needs (often from `process.env`), each with
   * a type, checked once here; every missing or invalid key is named in one
   * `ServiceConfigError`. The result is `ctx.config`, typed from the declaration.
   * @default undefined (`ctx.config` is `{}`)
   */
  config?: Def;
  /**
   * GCL `iter_min_period`: at least this long from one iteration's start to the next.
   * @default 0
   */
  minPeriod?: number;
  /**
   * GCL `iter_pause`: at least this long from one iteration's end to the next start.
   * @default 0
   */
  pause?: number;
  /**
   * pyaltt `interval`: start to start, never catching up. Not together with `minPeriod`.
   * @default 0
   */
  interval?: number;
  /**
   * pyaltt `delay_before`: wait this long before every iteration, the first included.
   * @default 0
   */
  delayBefore?: number;
  /**
   * pyaltt `delay_after`: wait this long after every iteration (adds to `pause`).
   * @default 0
   */
  delayAfter?: number;
  /**
   * SuperLoops `max_loop_failures`: failure number `maxFailures + 1` in one generation moves
   * the service to `failed` (with `failureWindow`: within that span).
   * @default 10
   */
  maxFailures?: number;
  /**
   * Count only the failures of the last `failureWindow` ms toward `maxFailures`, as a
   * supervisor's `restartWindow` does for restarts: a long-lived service with a rare error is
   * then never failed by errors hours apart. Left out, every failure of the generation counts
   * (SuperLoops' rule), which suits loops whose failures come in bursts. `getTree()`'s
   * `failures` is then the count in the window.
   * @default undefined (count per generation)
   */
  failureWindow?: number;
  /**
   * How long a stop (or hard reset) waits for the iteration in flight and `onStop` before the
   * generation is killed and fenced.
   * @default 5000
   */
  gracePeriod?: number;
  /**
   * How long `onStart` may take: not settled by then, the start fails with a
   * `StartTimeoutError` (`START_TIMEOUT`), `ctx.signal` is aborted and the generation fenced,
   * so a stuck start never holds its supervisor (or a shutdown) in `starting`. A stop asked for
   * while `onStart` runs aborts `ctx.signal` at once and waits up to `gracePeriod` for it.
   * @default 30000
   */
  startTimeout?: number;
  /**
   * How long a stop waits for the generation's graceful tasks (`ctx.task`) that are not
   * cancelled at once; the whole stop stays bounded by `gracePeriod`.
   * @default gracePeriod
   */
  gracefulWaitTimeout?: number;
  /**
   * Abort the graceful tasks still running when `gracefulWaitTimeout` is over (aiomisc
   * `cancel_on_timeout`); when false they are left to finish on their own, fenced.
   * @default true
   */
  cancelOnTimeout?: boolean;
  /**
   * OTP restart type, used by the supervisor.
   * @default 'permanent'
   */
  restart?: RestartType;
  /**
   * SuperLoops `reset_globally`: when false, a sibling's failure does not stop or restart this
   * service (its own failure still triggers the strategy).
   * @default true
   */
  resetGlobally?: boolean;
  /**
   * OTP significant child: with the supervisor's `autoShutdown`, its ending on its own stops
   * the supervisor.
   * @default false
   */
  significant?: boolean;
  /**
   * Runs in `starting`, before the first iteration of a generation; may be async. Return
   * `false` (or a promise of `false`) to veto the start (back to `idle`), throw to fail it.
   * Not run by a hard reset. Several hooks (an array or a `HookCollection`) run in order; the
   * first that throws or vetoes ends the start, and the `onStop` hooks paired with the ones
   * that succeeded run at once (see {@link ServiceHooks}); a throw fails the start with a
   * `HookError` listing every failure.
   * @default undefined (no hook)
   */
  onStart?: ServiceHooks<ServiceContext<Config>>;
  /**
   * Runs once for every generation whose `onStart` succeeded, however it ends (stop, failure,
   * kill, the actor being stopped), after the loop has ended; bounded by `gracePeriod`. A throw
   * is logged and the stop completes. Not run by a hard reset. Several hooks (an array or a
   * `HookCollection`) all run, in order; their errors are logged together as one `HookError`.
   * @default undefined (no hook)
   */
  onStop?: ServiceHooks<ServiceContext<Config>>;
  /**
   * Actions callable over the control API (`POST /actions/<path>/<name>` with a JSON body) or
   * with `perform()`: `name(data, ctx)` receives the parsed body and the running generation's
   * context, and returns (or resolves to) a JSON-serializable result. Throw an `ActionError`
   * to answer a 4xx/5xx on purpose. They belong to this service alone.
   * @default {}
   */
  actions?: Readonly<Record<string, ServiceAction<Config>>>;
  /**
   * Where the service logs (pino's shape).
   * @default the supervisor's logger, or a console logger writing to stderr
   */
  logger?: Logger;
}

/**
 * A service action: called with the request's JSON body and the running generation's context.
 *
 * @example
 * ```ts
 * const echo: ServiceAction = (data, ctx) => ({ echoed: data, generation: ctx.generation });
 * ```
 */
export type ServiceAction<Config = ServiceConfig> = (
  data: unknown,
  ctx: ServiceContext<Config>,
) => unknown;

/** Options with defaults applied (internal). */
export interface ResolvedServiceOptions {
  readonly actions: Readonly<Record<string, ServiceAction>>;
  readonly id: string;
  readonly iterate: (ctx: ServiceContext) => unknown;
  readonly minPeriod: number;
  readonly pause: number;
  readonly interval: number;
  readonly delayBefore: number;
  readonly delayAfter: number;
  readonly maxFailures: number;
  readonly gracePeriod: number;
  readonly startTimeout: number;
  readonly failureWindow: number | undefined;
  readonly restart: RestartType;
  readonly resetGlobally: boolean;
  readonly significant: boolean;
  readonly onStart: ((ctx: ServiceContext) => unknown) | undefined;
  readonly onStop: ((ctx: ServiceContext) => unknown) | undefined;
  readonly logger: Logger | undefined;
  readonly gracefulWaitTimeout: number;
  readonly cancelOnTimeout: boolean;
  /** The validated `config` (`ctx.config`); undefined without a `config` option. */
  readonly config?: ServiceConfig | undefined;
  /** A service kind's own schedule (periodic, cron), replacing the pacing options. */
  readonly schedule: LoopSchedule | undefined;
  /** A service kind's per-actor state, and what `getTree()` shows of it. */
  readonly local: LocalState | undefined;
}

/**
 * When a loop's iterations start, for service kinds with a schedule of their own. Times are
 * the injected clock's (`clock.now()`); `log` is the service's logger (to log a skipped slot).
 * Not exported from the package, yet not marked internal: `ResolvedServiceOptions` names it,
 * so its declaration must survive `stripInternal`.
 */
export interface LoopSchedule {
  /** When the first iteration may start. */
  first(now: number, log: Logger): number;
  /** When the next may start, given the last one's start and end. */
  next(start: number, end: number, now: number, log: Logger): number;
}

/**
 * Per-actor state of a service kind. Not exported from the package, yet not marked internal:
 * `ResolvedServiceOptions` names it, so its declaration must survive `stripInternal`.
 */
export interface LocalState {
  create(): unknown;
  /** Extra fields for `getTree()` (`details`), read from the state. */
  describe?(state: unknown): Record<string, unknown>;
}

/**
 * The defaults of {@link ServiceOptions} (OTP/Elixir and SuperLoops). The pacing options
 * (`minPeriod`, `pause`, `interval`, `delayBefore`, `delayAfter`) default to 0 and are not
 * listed, nor are the hooks and `logger`.
 *
 * @example
 * ```ts
 * const patient = createService({
 *   id: 'flusher',
 *   iterate() {},
 *   gracePeriod: SERVICE_DEFAULTS.gracePeriod * 3, // 15 s to finish a flush
 * });
 * ```
 */
export const SERVICE_DEFAULTS = {
  maxFailures: 10,
  gracePeriod: 5_000,
  startTimeout: 30_000,
  restart: 'permanent',
  resetGlobally: true,
  significant: false,
} as const;

/**
 * The options every service kind shares (lifecycle, supervision, hooks, actions, config); each
 * kind adds its own. One list, so a new common option reaches every kind.
 * @internal
 */
export const COMMON_SERVICE_OPTIONS = [
  'id',
  'maxFailures',
  'gracePeriod',
  'startTimeout',
  'failureWindow',
  'gracefulWaitTimeout',
  'cancelOnTimeout',
  'restart',
  'resetGlobally',
  'significant',
  'onStart',
  'onStop',
  'logger',
  'actions',
  'config',
] as const;

/**
 * The pacing options of `createService`: a kind with a schedule of its own (periodic, cron) or
 * no loop to pace (a server, a process) leaves them out of its table, so passing one is an
 * unknown option there. @internal
 *
 * @example
 * ```ts
 * const table = [...COMMON_SERVICE_OPTIONS, 'module', ...PACING_OPTIONS]; // a worker thread's
 * ```
 */
export const PACING_OPTIONS = [
  'minPeriod',
  'pause',
  'interval',
  'delayBefore',
  'delayAfter',
] as const;

const KNOWN = [...COMMON_SERVICE_OPTIONS, 'iterate', ...PACING_OPTIONS] as const;

/**
 * How {@link checkOptionNames} reports: the error class and code, where the owner's name is.
 * @internal
 *
 * @example
 * ```ts
 * const how: OptionNamesHow = { error: TaskPoolConfigError, unknownCode: 'TASK_POOL_CONFIG_UNKNOWN_OPTION', ownerKey: 'name' };
 * ```
 */
export interface OptionNamesHow {
  /** The config error thrown (`ServiceConfigError` by default; a task pool has its own). */
  readonly error?: new (
    details: ConfigErrorDetails,
    code?: string,
  ) => Error;
  /** The code of an unknown option. @default 'SERVICE_CONFIG_UNKNOWN_OPTION' */
  readonly unknownCode?: string;
  /** The option that names the owner in messages. @default 'id' */
  readonly ownerKey?: string;
  /** What to say instead of the known list for an option people try (`iterate` on a worker). */
  readonly hints?: Readonly<Record<string, string>>;
}

/**
 * The prologue every factory shares, validating once from one table: `options` is an object
 * whose every key is in `known` (else an unknown-option error listing `known`). Returns the
 * owner's name and a `fail` that throws the config error owned by it. @internal
 *
 * @example
 * ```ts
 * const { fail } = checkOptionNames(options, [...COMMON_SERVICE_OPTIONS, 'every', 'run']);
 * if (typeof options.run !== 'function') fail({ option: 'run', received: options.run, expected: 'a function' });
 * ```
 */
export function checkOptionNames(
  options: unknown,
  known: readonly string[],
  how: OptionNamesHow = {},
): { readonly owner: string | undefined; readonly fail: Fail } {
  const ConfigError = how.error ?? ServiceConfigError;
  const raw = (options as Record<string, unknown> | null | undefined)?.[how.ownerKey ?? 'id'];
  const owner = typeof raw === 'string' ? raw : undefined;
  const fail: Fail = (d) => {
    throw new ConfigError({ ...d, owner });
  };
  checkObject(options, 'options', fail);
  checkKnown(options as object, known, (option) => {
    throw new ConfigError(
      {
        option,
        received: (options as Record<string, unknown>)[option],
        expected: how.hints?.[option] ?? `no such option; known options are ${known.join(', ')}`,
        owner,
      },
      how.unknownCode ?? 'SERVICE_CONFIG_UNKNOWN_OPTION',
    );
  });
  return { owner, fail };
}

/** A duration that must be > 0 (0 would fail every start, or count no failure). */
function checkPositiveDuration(
  value: unknown,
  option: string,
  fail: Fail,
  instead: string,
): number | undefined {
  const ms = checkDuration(value, option, fail);
  if (ms === 0) {
    fail({ option, received: 0, expected: `a finite number of milliseconds > 0, ${instead}` });
  }
  return ms;
}

/** Validates and resolves service options; throws `ServiceConfigError`. @internal */
export function resolveServiceOptions<Config, Def extends ServiceConfigOptions | undefined>(
  options: ServiceOptions<Config, Def>,
): ResolvedServiceOptions {
  const { owner, fail } = checkOptionNames(options, KNOWN);
  const id = checkId(options.id, fail);
  checkFunction(options.iterate, 'iterate', fail, true);
  if (options.minPeriod !== undefined && options.interval !== undefined) {
    fail({
      option: 'interval',
      received: options.interval,
      expected: 'either `minPeriod` (GCL) or `interval` (pyaltt), not both',
    });
  }
  const logger = options.logger;
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger.error !== 'function')) {
    fail({
      option: 'logger',
      received: logger,
      expected: 'a logger with info/warn/error/debug/child',
    });
  }
  const gracePeriod =
    checkDuration(options.gracePeriod, 'gracePeriod', fail) ?? SERVICE_DEFAULTS.gracePeriod;
  const actions = options.actions ?? {};
  checkObject(actions, 'actions', fail);
  for (const [name, fn] of Object.entries(actions)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      fail({
        option: `actions.${name}`,
        received: name,
        expected: 'an action name of letters, digits, `_`, `.` or `-`',
      });
    }
    checkFunction(fn, `actions.${name}`, fail, true);
  }
  const hooks = resolveServiceHooks<ServiceContext>(options.onStart, options.onStop, id, fail);
  const config = resolveServiceConfig(options.config, owner, fail);
  return {
    id,
    // Config only narrows what the context's `config` holds: the same context serves them.
    actions: { ...actions } as Readonly<Record<string, ServiceAction>>,
    iterate: options.iterate as (ctx: ServiceContext) => unknown,
    config,
    minPeriod: checkDuration(options.minPeriod, 'minPeriod', fail) ?? 0,
    pause: checkDuration(options.pause, 'pause', fail) ?? 0,
    interval: checkDuration(options.interval, 'interval', fail) ?? 0,
    delayBefore: checkDuration(options.delayBefore, 'delayBefore', fail) ?? 0,
    delayAfter: checkDuration(options.delayAfter, 'delayAfter', fail) ?? 0,
    maxFailures:
      checkInteger(options.maxFailures, 'maxFailures', fail) ?? SERVICE_DEFAULTS.maxFailures,
    gracePeriod,
    startTimeout:
      checkPositiveDuration(
        options.startTimeout,
        'startTimeout',
        fail,
        'or leave it out for the default (30 s)',
      ) ?? SERVICE_DEFAULTS.startTimeout,
    failureWindow: checkPositiveDuration(
      options.failureWindow,
      'failureWindow',
      fail,
      'or leave it out to count per generation',
    ),
    gracefulWaitTimeout:
      checkDuration(options.gracefulWaitTimeout, 'gracefulWaitTimeout', fail) ?? gracePeriod,
    cancelOnTimeout: checkBoolean(options.cancelOnTimeout, 'cancelOnTimeout', fail) ?? true,
    schedule: undefined,
    local: undefined,
    restart:
      checkOneOf(options.restart, ['permanent', 'transient', 'temporary'], 'restart', fail) ??
      SERVICE_DEFAULTS.restart,
    resetGlobally:
      checkBoolean(options.resetGlobally, 'resetGlobally', fail) ?? SERVICE_DEFAULTS.resetGlobally,
    significant:
      checkBoolean(options.significant, 'significant', fail) ?? SERVICE_DEFAULTS.significant,
    onStart: hooks.onStart,
    onStop: hooks.onStop,
    logger,
  };
}

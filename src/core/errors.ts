/**
 * Error classes thrown by xstate-supervisor. Each has a stable `code` and a `name` equal to its
 * class name, so callers can branch on either without parsing messages.
 */

/** The id of an XState machine; its JSON would be its whole (maybe shared) definition. */
function machineId(value: unknown): string | undefined {
  const m = value as { __xstatenode?: unknown; id?: unknown } | null;
  return typeof m === 'object' && m?.__xstatenode === true && typeof m.id === 'string'
    ? m.id
    : undefined;
}

/** Describes a value for an error message: `` `-1` (number) ``; machines by their id. */
export function describeValue(value: unknown): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'symbol') return `${String(value)} (symbol)`;
  const id = machineId(value);
  if (id !== undefined) return `the machine "${id}"`;
  let shown: string;
  try {
    // `this[key]` is the value before its toJSON ran: a machine nested in an object.
    shown =
      JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
        const nested = machineId(this[key]);
        return nested === undefined ? v : `<machine ${nested}>`;
      }) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) shown = String(value);
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${kind})`;
}

/**
 * The fields a configuration error carries besides its message, so a tool can point at the
 * bad option without parsing text. `ServiceConfigError` and `SupervisorConfigError` have them.
 *
 * @example
 * ```ts
 * try {
 *   createService({ id: 'job', iterate() {}, maxFailures: -1 });
 * } catch (e) {
 *   if (e instanceof ServiceConfigError) console.log(e.option, e.received, e.expected); // maxFailures -1 an integer >= 0
 * }
 * ```
 */
export interface ConfigErrorDetails {
  /** The option that was wrong, e.g. `minPeriod` or `children[2].id`. */
  readonly option: string;
  /** The value that was received. */
  readonly received: unknown;
  /** What was expected, in words. */
  readonly expected: string;
  /** The id of the service or supervisor being created, when known. */
  readonly owner?: string | undefined;
}

/**
 * Base class of every error this package throws on purpose. Branch on `code` (stable) or on
 * the subclass; `name` is the class name. Messages may change between versions.
 *
 * @example
 * ```ts
 * try { createService({ id: 'a b', iterate() {} }); }
 * catch (e) { if (e instanceof XstateSupervisorError) console.log(e.code); }
 * ```
 */
export class XstateSupervisorError extends Error {
  /** A stable, machine-readable code. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

function configMessage(kind: string, d: ConfigErrorDetails): string {
  const owner = d.owner === undefined ? '' : ` of ${kind} "${d.owner}"`;
  return `Invalid option \`${d.option}\`${owner}: expected ${d.expected}, got ${describeValue(d.received)}.`;
}

/**
 * Thrown by `createService` (and the service kinds) when an option is invalid or unknown.
 * `code` is `SERVICE_CONFIG_INVALID` or `SERVICE_CONFIG_UNKNOWN_OPTION`.
 *
 * @example
 * ```ts
 * createService({ id: 'x', minPeriod: -1, iterate() {} });
 * // ServiceConfigError: Invalid option `minPeriod` of service "x": expected a finite number of
 * // milliseconds >= 0, got `-1` (number).
 * ```
 */
export class ServiceConfigError extends XstateSupervisorError implements ConfigErrorDetails {
  readonly option: string;
  readonly received: unknown;
  readonly expected: string;
  readonly owner: string | undefined;
  constructor(details: ConfigErrorDetails, code = 'SERVICE_CONFIG_INVALID') {
    super(code, configMessage('service', details));
    this.option = details.option;
    this.received = details.received;
    this.expected = details.expected;
    this.owner = details.owner;
  }
}

/**
 * Thrown by `createSupervisor` when an option is invalid or unknown, or a child id is used
 * twice. `code` is `SUPERVISOR_CONFIG_INVALID`, `SUPERVISOR_CONFIG_UNKNOWN_OPTION` or
 * `SUPERVISOR_DUPLICATE_CHILD`. Ids only need to be unique among siblings: the same id may
 * appear in different supervisors.
 *
 * @example
 * ```ts
 * const a = createService({ id: 'a', iterate() {} });
 * createSupervisor({ id: 'root', children: [a, a] });
 * // SupervisorConfigError (SUPERVISOR_DUPLICATE_CHILD): Invalid option `children[1].id` of
 * // supervisor "root": expected an id unique among the children of "root" (child id "a" is
 * // used twice), got `"a"` (string).
 * ```
 */
export class SupervisorConfigError extends XstateSupervisorError implements ConfigErrorDetails {
  readonly option: string;
  readonly received: unknown;
  readonly expected: string;
  readonly owner: string | undefined;
  /** `owner` is the id of a supervisor, or (from `supervise()`) of a supervised actor. */
  constructor(
    details: ConfigErrorDetails,
    code = 'SUPERVISOR_CONFIG_INVALID',
    ownerKind: 'supervisor' | 'supervised actor' = 'supervisor',
  ) {
    super(code, configMessage(ownerKind, details));
    this.option = details.option;
    this.received = details.received;
    this.expected = details.expected;
    this.owner = details.owner;
  }
}

/**
 * Thrown (or used as a rejection reason) when a command or a call cannot be carried out.
 * `code` says why: `UNKNOWN_CHILD`, `SUPERVISOR_NOT_RUNNING`, `CHILD_BUSY`, `ALREADY_RUNNING`,
 * `ALREADY_STOPPED`, `NOT_RUNNING`, `START_FAILED`, `INVALID_CHILD`, `DUPLICATE_CHILD`,
 * `UNKNOWN_COMMAND` (supervisor commands); `NOT_A_SUPERVISED_ACTOR` (`getTree`, `shutdown` or
 * `run` given another kind of actor or machine); `SHUTDOWN_TIMEOUT` (`shutdown` with a
 * `timeout`).
 *
 * Gotcha: a command sent as an event (`actor.send({ type: 'child.stop', id })`) has no one to
 * reject, so its `CommandError` is only logged at `warn`.
 *
 * @example
 * ```ts
 * await shutdown(actor, { timeout: 10_000 }).catch((e: unknown) => {
 *   if (e instanceof CommandError && e.code === 'SHUTDOWN_TIMEOUT') process.exit(70);
 *   throw e;
 * });
 * ```
 */
export class CommandError extends XstateSupervisorError {}

/**
 * Describes a generation killed because its stop (the iteration in flight, then `onStop`)
 * overran `gracePeriod`. `code` is `KILLED`.
 *
 * Gotcha: it is logged, not thrown and not a report's reason. The service logs its message
 * and code at `warn` ("generation killed", with `code: 'KILLED'`, `gracePeriod` and `reason`),
 * without `err`: a kill is no throw in your code, so no stack is logged (decision 0049). The
 * supervisor's `child.killed` report carries why the child was being stopped
 * (`'supervisor stopping'`, the failure, ...), not this error.
 *
 * @example
 * ```ts
 * const warn: LogFn = (objOrMsg: Record<string, unknown> | string, msg?: string) => {
 *   if (typeof objOrMsg === 'object' && objOrMsg.code === 'KILLED') {
 *     console.error(msg, objOrMsg.reason);
 *   }
 * };
 * const logger: Logger = { ...silentLogger, warn, child: () => logger };
 * createService({ id: 'slow', iterate: () => new Promise(() => {}), gracePeriod: 100, logger });
 * ```
 */
export class KilledError extends XstateSupervisorError {
  constructor(id: string, generation: number, gracePeriod: number) {
    super(
      'KILLED',
      `Service "${id}" generation ${generation} did not stop within gracePeriod ${gracePeriod} ms and was killed; raise gracePeriod or make the iteration honour ctx.signal.`,
    );
  }
}

/**
 * The error a start fails with when `onStart` has not settled within `startTimeout`. `code` is
 * `START_TIMEOUT`. The generation's `ctx.signal` is aborted and the generation fenced: what
 * `onStart` does later is ignored, and `onStop` is not run for it (its start never succeeded).
 *
 * @example
 * ```ts
 * actor.on('child.failed', (r) => {
 *   if (r.reason instanceof StartTimeoutError) console.error(`${r.id} is stuck starting`);
 * });
 * ```
 */
export class StartTimeoutError extends XstateSupervisorError {
  constructor(id: string, generation: number, startTimeout: number) {
    super(
      'START_TIMEOUT',
      `Service "${id}" generation ${generation} did not finish onStart within startTimeout ${startTimeout} ms; its start failed. Raise startTimeout or make onStart honour ctx.signal.`,
    );
  }
}

/** Turns anything thrown into an `Error`, so failures always have a message and a stack. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const err = new Error(
    typeof thrown === 'string' ? thrown : `Non-error thrown: ${describeValue(thrown)}`,
  );
  (err as Error & { thrown?: unknown }).thrown = thrown;
  return err;
}

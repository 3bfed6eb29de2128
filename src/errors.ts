/**
 * Error classes thrown by xstate-supervisor. Each has a stable `code` and a `name` equal to its
 * class name, so callers can branch on either without parsing messages.
 */

/** Describes a value for an error message: `` `-1` (number) ``. */
export function describeValue(value: unknown): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'symbol') return `${String(value)} (symbol)`;
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) shown = String(value);
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${shown}\` (${kind})`;
}

/** Fields shared by configuration errors. */
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
 * Base class of every error this package throws on purpose.
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
 * // ServiceConfigError: Invalid option `minPeriod` of service "x": expected a finite number >= 0, got `-1` (number).
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
 * `SUPERVISOR_DUPLICATE_CHILD`.
 *
 * @example
 * ```ts
 * createSupervisor({ id: 'root', strategy: 'one-for-none', children: [] });
 * // SupervisorConfigError: Invalid option `strategy` of supervisor "root": expected one of ...
 * ```
 */
export class SupervisorConfigError extends XstateSupervisorError implements ConfigErrorDetails {
  readonly option: string;
  readonly received: unknown;
  readonly expected: string;
  readonly owner: string | undefined;
  constructor(details: ConfigErrorDetails, code = 'SUPERVISOR_CONFIG_INVALID') {
    super(code, configMessage('supervisor', details));
    this.option = details.option;
    this.received = details.received;
    this.expected = details.expected;
    this.owner = details.owner;
  }
}

/**
 * Thrown (or used as a rejection reason) when a command cannot run in the current state:
 * `code` is `COMMAND_REJECTED` (e.g. stopping a stopped child) or `UNKNOWN_CHILD`.
 *
 * @example
 * ```ts
 * await shutdown(actor).catch((e) => e instanceof CommandError && console.log(e.code));
 * ```
 */
export class CommandError extends XstateSupervisorError {}

/**
 * The reason recorded when a generation is killed because its stop overran `gracePeriod`.
 *
 * @example
 * ```ts
 * actor.on('child.killed', (e) => console.log(e.reason instanceof KilledError));
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

/** Turns anything thrown into an `Error`, so failures always have a message and a stack. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const err = new Error(
    typeof thrown === 'string' ? thrown : `Non-error thrown: ${describeValue(thrown)}`,
  );
  (err as Error & { thrown?: unknown }).thrown = thrown;
  return err;
}

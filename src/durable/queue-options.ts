/**
 * The options every durable queue takes (name, lease, attempts, backoff, stats), their
 * validation and defaults, and the error a bad one raises. Shared by the PostgreSQL and Redis
 * queues; loads no engine.
 */
import { type ConfigErrorDetails, describeValue, XstateSupervisorError } from '../core/errors.ts';
import { createConsoleLogger, type Logger } from '../core/logger.ts';

/**
 * A durable queue option was wrong (`code` `DURABLE_CONFIG_INVALID`), or one was unknown
 * (`DURABLE_CONFIG_UNKNOWN_OPTION`); raised by the queue's factory, before any connection.
 *
 * @example
 * ```ts
 * try {
 *   createRedisQueue({ name: 'mail', lease: 10 });
 * } catch (e) {
 *   if (e instanceof DurableConfigError) console.log(e.option, e.received, e.expected);
 * }
 * ```
 */
export class DurableConfigError extends XstateSupervisorError implements ConfigErrorDetails {
  readonly option: string;
  readonly received: unknown;
  readonly expected: string;
  readonly owner: string | undefined;
  constructor(
    d: ConfigErrorDetails,
    code: 'DURABLE_CONFIG_INVALID' | 'DURABLE_CONFIG_UNKNOWN_OPTION' = 'DURABLE_CONFIG_INVALID',
  ) {
    const owner = d.owner === undefined ? '' : ` of durable queue "${d.owner}"`;
    super(
      code,
      `Invalid option \`${d.option}\`${owner}: expected ${d.expected}, got ${describeValue(d.received)}.`,
    );
    this.option = d.option;
    this.received = d.received;
    this.expected = d.expected;
    this.owner = d.owner;
  }
}

/**
 * How a failed job is retried: `attempts` deliveries in all (the first included), each retry
 * after `delay` ms, doubled per retry with `'exponential'`.
 *
 * @example
 * ```ts
 * const retry: RetryPolicy = { attempts: 5, backoff: 'exponential', delay: 1_000 };
 * ```
 */
export interface RetryPolicy {
  /** Deliveries in all, an integer >= 1 (1: no retry). @default 5 */
  attempts?: number;
  /** `'exponential'` doubles `delay` per retry; `'fixed'` keeps it. @default 'exponential' */
  backoff?: 'exponential' | 'fixed';
  /** Milliseconds before the first retry. @default 1000 */
  delay?: number;
}

/**
 * Options every durable queue takes.
 *
 * @example
 * ```ts
 * const options: DurableQueueOptions = { name: 'emails', lease: 30_000, retry: { attempts: 3 } };
 * ```
 */
export interface DurableQueueOptions {
  /** The queue's name in the server: letters, digits, `_` or `-`. Required. */
  name: string;
  /**
   * How long a taken job stays leased without being extended; the worker extends it every
   * third of it while the handler runs. A crashed worker's job is delivered again once it
   * runs out. Whole seconds on PostgreSQL.
   * @default 30000
   */
  lease?: number;
  /** How a failed job is retried before it becomes a dead letter. */
  retry?: RetryPolicy;
  /** How often the counts shown in `getTree()` and `/metrics` are read. @default 2000 */
  statsInterval?: number;
  /** Where connection trouble and lost leases are logged. @default a console logger (warn) */
  logger?: Logger;
}

/** The resolved common options. @internal */
export interface ResolvedQueueOptions {
  readonly name: string;
  readonly lease: number;
  readonly attempts: number;
  readonly backoff: 'exponential' | 'fixed';
  readonly delay: number;
  readonly statsInterval: number;
  readonly logger: Logger | undefined;
}

/**
 * The defaults of {@link DurableQueueOptions}.
 *
 * @example
 * ```ts
 * createRedisQueue({ name: 'mail', lease: DURABLE_QUEUE_DEFAULTS.lease * 2 });
 * ```
 */
export const DURABLE_QUEUE_DEFAULTS = {
  lease: 30_000,
  attempts: 5,
  backoff: 'exponential',
  delay: 1_000,
  statsInterval: 2_000,
} as const;

const COMMON = ['name', 'lease', 'retry', 'statsInterval', 'logger'];

/**
 * Validates the common options and rejects unknown ones (`own` are the backend's).
 * @internal
 */
export function resolveQueueOptions(
  options: unknown,
  own: readonly string[],
  minLease: number,
): ResolvedQueueOptions {
  const owner =
    typeof (options as { name?: unknown } | null)?.name === 'string'
      ? (options as { name: string }).name
      : undefined;
  const fail = (d: Omit<ConfigErrorDetails, 'owner'>): never => {
    throw new DurableConfigError({ ...d, owner });
  };
  if (typeof options !== 'object' || options === null) {
    fail({ option: 'options', received: options, expected: 'an object with at least `name`' });
  }
  const o = options as DurableQueueOptions & Record<string, unknown>;
  const known = [...COMMON, ...own];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new DurableConfigError(
        {
          option: key,
          received: o[key],
          expected: `no such option; known options are ${known.join(', ')}`,
          owner,
        },
        'DURABLE_CONFIG_UNKNOWN_OPTION',
      );
    }
  }
  if (typeof o.name !== 'string' || !/^[A-Za-z0-9_-]{1,40}$/.test(o.name)) {
    fail({
      option: 'name',
      received: o.name,
      expected: '1 to 40 letters, digits, `_` or `-`, e.g. "emails"',
    });
  }
  const int = (value: unknown, option: string, min: number, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      fail({ option, received: value, expected: `an integer >= ${min}` });
    }
    return value as number;
  };
  const lease = int(o.lease, 'lease', minLease, DURABLE_QUEUE_DEFAULTS.lease);
  if (minLease >= 1_000 && lease % 1_000 !== 0) {
    fail({ option: 'lease', received: lease, expected: 'whole seconds (a multiple of 1000)' });
  }
  const retry = o.retry ?? {};
  if (typeof retry !== 'object' || retry === null) {
    fail({ option: 'retry', received: retry, expected: '{ attempts?, backoff?, delay? }' });
  }
  for (const key of Object.keys(retry)) {
    if (!['attempts', 'backoff', 'delay'].includes(key)) {
      throw new DurableConfigError(
        {
          option: `retry.${key}`,
          received: (retry as Record<string, unknown>)[key],
          expected: 'no such option; known are attempts, backoff, delay',
          owner,
        },
        'DURABLE_CONFIG_UNKNOWN_OPTION',
      );
    }
  }
  const backoff = retry.backoff ?? DURABLE_QUEUE_DEFAULTS.backoff;
  if (backoff !== 'exponential' && backoff !== 'fixed') {
    fail({ option: 'retry.backoff', received: backoff, expected: "'exponential' or 'fixed'" });
  }
  const logger = o.logger;
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger.warn !== 'function')) {
    fail({ option: 'logger', received: logger, expected: 'a Logger (debug, info, warn, error)' });
  }
  return {
    name: o.name,
    lease,
    attempts: int(retry.attempts, 'retry.attempts', 1, DURABLE_QUEUE_DEFAULTS.attempts),
    backoff,
    delay: int(retry.delay, 'retry.delay', 0, DURABLE_QUEUE_DEFAULTS.delay),
    statsInterval: int(o.statsInterval, 'statsInterval', 100, DURABLE_QUEUE_DEFAULTS.statsInterval),
    logger,
  };
}

/**
 * Checks an enqueue's options; resolves the priority (0 when absent).
 * @internal
 */
export function checkEnqueue(
  name: string,
  options: { priority?: unknown; key?: unknown; delay?: unknown },
  maxPriority: number,
): number {
  const fail = (option: string, received: unknown, expected: string): never => {
    throw new TypeError(
      `Invalid \`${option}\` of a job enqueued on "${name}": expected ${expected}, got ${describeValue(received)}.`,
    );
  };
  const priority = options.priority ?? 0;
  if (
    typeof priority !== 'number' ||
    !Number.isInteger(priority) ||
    Math.abs(priority) > maxPriority
  ) {
    fail('priority', priority, `an integer from -${maxPriority} to ${maxPriority}`);
  }
  if (options.key !== undefined && (typeof options.key !== 'string' || options.key.length === 0)) {
    fail('key', options.key, 'a non-empty string');
  }
  const delay = options.delay;
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)) {
    fail('delay', delay, 'a finite number of milliseconds >= 0');
  }
  return priority as number;
}

/** What every queue's constructor starts from. @internal */
export interface QueueSetup<C> {
  readonly o: ResolvedQueueOptions;
  /** The queue's logger: `logger` (or a console one at `warn`) bound to `{ queue: name }`. */
  readonly logger: Logger;
  /** `connection`, checked to be an object (`{}` when absent). */
  readonly connection: C;
  /** Throws the {@link DurableConfigError} of a backend's own option. */
  fail(option: string, received: unknown, expected: string): never;
}

/**
 * Resolves the common options (`own`: the backend's), the connection and the logger, and
 * gives the backend the `fail` of its own options.
 * @internal
 */
export function setUpQueue<C>(
  options: DurableQueueOptions & { connection?: C },
  own: readonly string[],
  minLease: number,
  connectionKind: string,
): QueueSetup<C> {
  const o = resolveQueueOptions(options, own, minLease);
  const fail = (option: string, received: unknown, expected: string): never => {
    throw new DurableConfigError({ option, received, expected, owner: o.name });
  };
  const connection = options.connection ?? ({} as C);
  if (typeof connection !== 'object' || connection === null) {
    fail('connection', options.connection, `a ${connectionKind} object`);
  }
  const logger = (o.logger ?? createConsoleLogger({ level: 'warn' })).child({ queue: o.name });
  return { o, logger, connection, fail };
}

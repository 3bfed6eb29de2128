/**
 * Hook collections (pyaltt's FunctionCollection, GCL's `add_setup` / `add_finishes`): an
 * ordered set of functions run one after the other, every error collected, the rest still run.
 * A collection belongs to whoever made it: there is no module-level registry.
 */
import { toError, XstateSupervisorError } from './errors.ts';

/**
 * A function a {@link HookCollection} runs; sync or async.
 *
 * @example
 * ```ts
 * const closeDb: Hook<[reason: string]> = async (reason) => {
 *   console.log(`closing the pool (${reason})`);
 * };
 * ```
 */
export type Hook<Args extends unknown[] = []> = (...args: Args) => unknown;

/**
 * One function of a collection that threw or rejected.
 *
 * @example
 * ```ts
 * const { errors } = await hooks.run();
 * for (const f of errors) console.error(`hook ${f.index} (${f.name}) failed:`, f.error.message);
 * ```
 */
export interface HookFailure {
  /** Its position in registration order (0-based), among the functions that were run. */
  readonly index: number;
  /** The function's `name`, or `'anonymous'`. */
  readonly name: string;
  /** What it threw, as an `Error` (a non-error is wrapped, the original kept as `thrown`). */
  readonly error: Error;
  /**
   * Which service hook list it belongs to, when the collection ran as a service's `onStart` or
   * `onStop`; absent for {@link HookCollection.run}.
   * @default undefined
   */
  readonly hook?: 'onStart' | 'onStop';
}

/**
 * What {@link HookCollection.run} resolves to: never a rejection.
 *
 * @example
 * ```ts
 * const { ok, results, errors } = await hooks.run();
 * if (!ok) console.error(`${errors.length} of ${results.length} hooks failed`);
 * ```
 */
export interface HookRunResult {
  /** True when no function threw. */
  readonly ok: boolean;
  /** Every function's result, by registration index; `undefined` for the ones that threw. */
  readonly results: unknown[];
  /** The failures, in the order they happened (which is registration order). */
  readonly errors: HookFailure[];
}

/**
 * Thrown when hooks failed: an aggregate of every {@link HookFailure}, like `AggregateError`
 * (`errors`), with `cause` set to the first error. `code` is `HOOK_FAILED`.
 *
 * A service whose `onStart` hooks fail fails its start with one; its `onStop` hooks that fail
 * are logged as one (the stop completes).
 *
 * @example
 * ```ts
 * const { errors } = await hooks.run();
 * if (errors.length > 0) throw new HookError('cleanup', errors);
 * ```
 */
export class HookError extends XstateSupervisorError {
  /** Every failure, in the order they happened. */
  readonly errors: readonly HookFailure[];
  /**
   * @param what Names what ran, for the message: `'onStart hooks of service "api"'`.
   * @param errors At least one failure.
   */
  constructor(what: string, errors: readonly HookFailure[]) {
    const list = errors
      .map(
        (f) => `${f.hook ? `${f.hook}[${f.index}]` : `[${f.index}]`} ${f.name}: ${f.error.message}`,
      )
      .join('; ');
    super(
      'HOOK_FAILED',
      `${errors.length} ${errors.length === 1 ? 'hook' : 'hooks'} of ${what} failed: ${list}.`,
      { cause: errors[0]?.error },
    );
    this.errors = errors;
  }
}

/**
 * An ordered collection of functions (pyaltt's FunctionCollection): `run(...args)` calls them in
 * registration order, awaiting each, collects every error with the error object and still runs
 * the rest. Pass one as a service's `onStart` or `onStop` to register hooks from several places
 * (GCL's `add_setup` / `add_finishes`); the service reads it at each start and stop, so a
 * function added later is used from the next start or stop on.
 *
 * Gotchas: a function is held once (adding it again changes nothing, as in pyaltt, whose
 * collection is a set) and keeps its first position. `run` works on the functions registered
 * when it was called: adding or removing one meanwhile affects the next run only.
 *
 * @example
 * ```ts
 * const finishes = new HookCollection<[ServiceContext]>();
 * finishes.add(async (ctx) => ctx.logger.info('flushing'));
 * finishes.add(function closePool() {});
 * createService({ id: 'api', iterate() {}, onStop: finishes });
 * ```
 */
export class HookCollection<Args extends unknown[] = []> {
  private readonly fns = new Set<Hook<Args>>();

  /**
   * @param fns Functions to register at once, in order.
   * @default [] (an empty collection)
   */
  constructor(fns: Iterable<Hook<Args>> = []) {
    for (const fn of fns) this.add(fn);
  }

  /** How many functions are registered. */
  get size(): number {
    return this.fns.size;
  }

  /**
   * Registers `fn` after the others; a function already registered keeps its place. Throws an
   * `XstateSupervisorError` (`INVALID_HOOK`) when `fn` is not a function. Returns the
   * collection, so calls chain.
   */
  add(fn: Hook<Args>): this {
    if (typeof fn !== 'function') {
      throw new XstateSupervisorError(
        'INVALID_HOOK',
        `HookCollection.add() expects a function, got ${typeof fn}; pass the function itself, not its result.`,
      );
    }
    this.fns.add(fn);
    return this;
  }

  /** Unregisters `fn`; true when it was registered. */
  remove(fn: Hook<Args>): boolean {
    return this.fns.delete(fn);
  }

  /** Whether `fn` is registered. */
  has(fn: Hook<Args>): boolean {
    return this.fns.has(fn);
  }

  /** Unregisters every function. */
  clear(): void {
    this.fns.clear();
  }

  /** The functions, in registration order (a copy). */
  toArray(): Hook<Args>[] {
    return [...this.fns];
  }

  /** Iterates over a copy of the functions, in registration order. */
  [Symbol.iterator](): IterableIterator<Hook<Args>> {
    return this.toArray()[Symbol.iterator]();
  }

  /**
   * Calls every function with `args`, in registration order, awaiting each; a function that
   * throws or rejects is recorded and the next one still runs. Never rejects.
   */
  async run(...args: Args): Promise<HookRunResult> {
    const fns = this.toArray();
    const results: unknown[] = new Array(fns.length).fill(undefined);
    const errors: HookFailure[] = [];
    for (const [index, fn] of fns.entries()) {
      try {
        results[index] = await fn(...args);
      } catch (e) {
        errors.push({ index, name: hookName(fn), error: toError(e) });
      }
    }
    return { ok: errors.length === 0, results, errors };
  }
}

/**
 * Creates a {@link HookCollection}, optionally with functions already registered.
 *
 * @example
 * ```ts
 * const setup = createHookCollection<[ServiceContext]>([openDb, warmCache]);
 * createService({ id: 'api', iterate() {}, onStart: setup });
 * ```
 */
export function createHookCollection<Args extends unknown[] = []>(
  fns: Iterable<Hook<Args>> = [],
): HookCollection<Args> {
  return new HookCollection<Args>(fns);
}

/** A function's name for reports. @internal */
export function hookName(fn: unknown): string {
  return (typeof fn === 'function' && fn.name) || 'anonymous';
}

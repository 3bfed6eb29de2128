/**
 * The public shapes of the shared context: its typed keys, its interface and its errors.
 */
import { describeValue, XstateSupervisorError } from './errors.ts';

declare const valueType: unique symbol;

/**
 * A typed key of the shared context: `createContextKey<Pool>('db')`. Keys are compared by
 * `name`, so two keys with one name are one slot (and a plain `'db'` reaches it too).
 *
 * @example
 * ```ts
 * import type { Pool } from 'pg';
 * export const DB = createContextKey<Pool>('db');
 * ```
 */
export interface ContextKey<T> {
  /** The slot's name, as errors and logs show it. */
  readonly name: string;
  /** Carries `T` for the type checker only; never present at run time. */
  readonly [valueType]?: T;
}

/**
 * Makes a typed key of the shared context. Declare it once, in a module both the setter and
 * the getters import, so `ctx.context.get(DB)` is typed `Promise<Pool>` and a misspelt key is
 * a compile error instead of a wait.
 *
 * @example
 * ```ts
 * const DB = createContextKey<{ query(sql: string): Promise<unknown> }>('db');
 * const api = createService({
 *   id: 'api',
 *   async iterate(ctx) {
 *     const db = await ctx.context.get(DB); // typed, waits until the db service set it
 *     await db.query('select 1');
 *   },
 * });
 * ```
 */
export function createContextKey<T>(name: string): ContextKey<T> {
  return Object.freeze({ name: checkName(name) }) as ContextKey<T>;
}

/** Options of {@link SharedContext.get}. */
export interface ContextGetOptions {
  /**
   * Gives up waiting when aborted, rejecting with the signal's reason. A value already set
   * is returned even when the signal is aborted (nothing waits).
   * @default the calling service's `ctx.signal`
   */
  readonly signal?: AbortSignal;
}

/**
 * Thrown by the shared context. `code`: `CONTEXT_KEY_NEVER_SET` (the tree runs and no service
 * set the key during the start), `CONTEXT_KEY_NOT_SET_AT_START` (a service's `onStart` asks for
 * a key not set yet: the services that could set it start after it, or its setter's stop
 * cleared it), `CONTEXT_KEY_INVALID` (a key that is not a non-empty string
 * or a {@link ContextKey}), `CONTEXT_VALUE_UNDEFINED` (`set(key, undefined)`),
 * `CONTEXT_SETTER_STOPPING` (`set` from a generation that is stopping),
 * `NOT_A_SUPERVISED_ACTOR` (`sharedContextOf` given something else).
 *
 * @example
 * ```ts
 * try {
 *   await ctx.context.get('cache');
 * } catch (e) {
 *   if (e instanceof SharedContextError && e.code === 'CONTEXT_KEY_NEVER_SET') ctx.logger.warn(e.message);
 * }
 * ```
 */
export class SharedContextError extends XstateSupervisorError {
  /** The key concerned, when there is one. */
  readonly key: string | undefined;
  constructor(code: string, message: string, key?: string) {
    super(code, message);
    this.key = key;
  }
}

/** The name of a key, or a `CONTEXT_KEY_INVALID` error naming what was given. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw new SharedContextError(
      'CONTEXT_KEY_INVALID',
      `A shared context key must be a non-empty string or a key made by createContextKey(), got ${describeValue(name)}.`,
    );
  }
  return name;
}

/**
 * The context shared by every service of one tree, as `ctx.context` (each service's view) or
 * `sharedContextOf` (from outside the tree). `get` waits for a value another service
 * sets; the start order does not matter, as long as the key is set before the tree runs.
 *
 * Gotchas: a value a service set is cleared when that service's generation ends (a stop, a
 * restart, a failure), so no one is handed a pool that is being closed; `get` then waits for
 * the next generation to set it again. A key no one set by the time the root supervisor is
 * `running` rejects every waiter with `CONTEXT_KEY_NEVER_SET`. In `onStart`, `get` does not
 * wait: children start one after another, so an unset key rejects at once with
 * `CONTEXT_KEY_NOT_SET_AT_START` (set keys in `onStart`, await them in `iterate`).
 *
 * @example
 * ```ts
 * const DB = createContextKey<Pool>('db');
 * const db = createService({
 *   id: 'db',
 *   async onStart(ctx) { ctx.context.set(DB, await connect()); },
 *   iterate() {},
 * });
 * const api = createService({
 *   id: 'api',
 *   async iterate(ctx) { const pool = await ctx.context.get(DB); await pool.query('select 1'); },
 * });
 * createSupervisor({ id: 'root', children: [api, db] }); // api before db is fine
 * ```
 */
export interface SharedContext {
  /** Resolves with the key's value, waiting (bounded by the signal) until it is set. */
  get<T>(key: ContextKey<T>, options?: ContextGetOptions): Promise<T>;
  /** Resolves with the key's value, untyped; prefer a {@link ContextKey}. */
  get(key: string, options?: ContextGetOptions): Promise<unknown>;
  /** Sets the key (replacing any value) and wakes every waiter. */
  set<T>(key: ContextKey<T>, value: T): void;
  /** Sets the key, untyped; prefer a {@link ContextKey}. */
  set(key: string, value: unknown): void;
  /** Whether the key holds a value now. */
  has(key: ContextKey<unknown> | string): boolean;
  /** The names of the keys that hold a value now. */
  keys(): string[];
}

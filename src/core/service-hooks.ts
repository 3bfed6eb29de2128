/**
 * Several `onStart` / `onStop` hooks for one service (GCL's `add_setup` / `add_finishes`):
 * validated, then composed into the single `onStart` and `onStop` the service core calls.
 * The rule is decision 0013: the first failing or vetoing `onStart` hook ends the start, and
 * the `onStop` hooks paired with the hooks that succeeded run at once, so the pairing holds.
 */
import { toError } from './errors.ts';
import {
  type Hook,
  HookCollection,
  HookError,
  type HookFailure,
  hookName,
} from './hook-collection.ts';
import type { Logger } from './logger.ts';
import type { Fail } from './validate.ts';

/**
 * One service hook (`onStart` or `onStop`): receives the generation's context. An `onStart`
 * hook may return `false` (or a promise of it) to veto the start.
 *
 * @example
 * ```ts
 * const openPool: ServiceHook<ServiceContext> = async (ctx) => {
 *   ctx.logger.info('pool open');
 * };
 * ```
 */
export type ServiceHook<Ctx> = (ctx: Ctx) => unknown;

/**
 * What `onStart` and `onStop` accept: one function, an array of functions (run in order), or a
 * {@link HookCollection} (read at every start and stop, so hooks may be added later).
 *
 * Pairing is by position: `onStop[i]` undoes `onStart[i]`. When `onStart[k]` throws or
 * returns `false`, the later `onStart` hooks do not run, and `onStop[0..k-1]` run at once, in
 * order; an `onStop` hook with no `onStart` at its position runs only after a full start.
 *
 * @example
 * ```ts
 * createService({
 *   id: 'api',
 *   iterate() {},
 *   onStart: [openDb, warmCache], // warmCache is not run if openDb throws
 *   onStop: [closeDb], // also runs if warmCache throws, since openDb succeeded
 * });
 * ```
 */
export type ServiceHooks<Ctx> =
  | ServiceHook<Ctx>
  | readonly ServiceHook<Ctx>[]
  | HookCollection<[Ctx]>;

/** The hooks composed into single functions for the core. @internal */
export interface ComposedHooks<Ctx> {
  readonly onStart: ServiceHook<Ctx> | undefined;
  readonly onStop: ServiceHook<Ctx> | undefined;
}

type List<Ctx> = () => readonly Hook<[Ctx]>[];

const EXPECTED = 'a function, an array of functions or a HookCollection';

/** Validates one hook option and returns how to read its functions, or a lone function. */
function listOf<Ctx>(value: unknown, option: string, fail: Fail): List<Ctx> | undefined {
  if (value === undefined || typeof value === 'function') return undefined;
  if (value instanceof HookCollection) {
    const collection = value as HookCollection<[Ctx]>;
    return () => collection.toArray();
  }
  if (!Array.isArray(value)) fail({ option, received: value, expected: EXPECTED });
  const fns = [...(value as unknown[])];
  for (const [i, fn] of fns.entries()) {
    if (typeof fn !== 'function')
      fail({ option: `${option}[${i}]`, received: fn, expected: 'a function' });
  }
  const copy = fns as Hook<[Ctx]>[];
  return () => copy;
}

/**
 * Composed `onStart` lists: called as `(ctx, undoCtx)`, where `undoCtx()` gives the context
 * the paired `onStop` hooks of an early end run with (a signal of their own). @internal
 */
export const composedStarts = new WeakSet<object>();

/**
 * `fn(ctx)`'s outcome, or a throw of `ctx.signal`'s reason once it is aborted: the hook is
 * given up on (it was told through the signal), and its late outcome is logged, never dropped.
 */
function untilAborted<Ctx extends { readonly logger: Logger }>(
  fn: Hook<[Ctx]>,
  ctx: Ctx,
  owner: string,
  index: number,
): Promise<unknown> {
  const signal = (ctx as { readonly signal?: AbortSignal }).signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const result = fn(ctx);
  if (!signal || !isPromiseLike(result)) return Promise.resolve(result);
  return new Promise((resolve, reject) => {
    let gaveUp = false;
    const onAbort = (): void => {
      gaveUp = true;
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const where = { owner, hook: 'onStart', index, name: hookName(fn) };
    result.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (!gaveUp) resolve(value);
        else
          ctx.logger.warn(
            where,
            'an onStart hook completed after it was given up on; its onStop is not run',
          );
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        const error = toError(e);
        if (!gaveUp) reject(error);
        else if (error.name === 'AbortError' || e === signal.reason)
          ctx.logger.debug(
            { ...where, reason: error.message },
            'an onStart hook given up on ended',
          );
        else ctx.logger.warn({ ...where, err: error }, 'an onStart hook given up on threw');
      },
    );
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Runs `fns` in order, every one, and returns the failures. */
async function runAll<Ctx>(
  fns: readonly Hook<[Ctx]>[],
  ctx: Ctx,
  hook: 'onStart' | 'onStop',
): Promise<HookFailure[]> {
  const failures: HookFailure[] = [];
  for (const [index, fn] of fns.entries()) {
    try {
      await fn(ctx);
    } catch (e) {
      failures.push({ hook, index, name: hookName(fn), error: toError(e) });
    }
  }
  return failures;
}

/**
 * Validates `onStart` and `onStop` (a function, an array of functions, a `HookCollection`) and
 * composes lists into one function each; lone functions are returned as they are. Services
 * and supervisors share it (`kind` names the owner in a `HookError`).
 * @internal
 */
export function resolveServiceHooks<Ctx extends { readonly logger: Logger }>(
  onStart: unknown,
  onStop: unknown,
  id: string,
  fail: Fail,
  kind: 'service' | 'supervisor' = 'service',
): ComposedHooks<Ctx> {
  const starts = listOf<Ctx>(onStart, 'onStart', fail);
  const stops = listOf<Ctx>(onStop, 'onStop', fail);
  const loneStop = onStop as ServiceHook<Ctx> | undefined;
  const allStops: List<Ctx> = stops ?? (() => (loneStop ? [loneStop] : []));
  const owner = `${kind} "${id}"`;

  // A supervisor's list gives up on the hook in flight once its signal is aborted (a stop,
  // hookTimeout), so the hooks that completed are undone at once (decision 0096).
  const givesUp = kind === 'supervisor';
  const composedStart = starts
    ? async (ctx: Ctx, undoCtx?: () => Ctx): Promise<unknown> => {
        const fns = starts();
        const stopList = (index: number): readonly Hook<[Ctx]>[] => allStops().slice(0, index);
        const undoWith = (): Ctx => (undoCtx ? undoCtx() : ctx);
        for (const [index, fn] of fns.entries()) {
          let result: unknown;
          try {
            result = givesUp ? await untilAborted(fn, ctx, owner, index) : await fn(ctx);
          } catch (e) {
            const failure: HookFailure = {
              hook: 'onStart',
              index,
              name: hookName(fn),
              error: toError(e),
            };
            const undone = await runAll(stopList(index), undoWith(), 'onStop');
            // Given up on (the signal was aborted): the abort is the outcome, unless undoing failed.
            const signal = (ctx as { readonly signal?: AbortSignal }).signal;
            if (givesUp && signal?.aborted && e === signal.reason && undone.length === 0) throw e;
            throw new HookError(owner, [failure, ...undone]);
          }
          if (result === false) {
            const undone = await runAll(stopList(index), undoWith(), 'onStop');
            if (undone.length > 0) {
              ctx.logger.error(
                { err: new HookError(owner, undone) },
                'onStop hooks paired with the onStart hooks before a veto failed',
              );
            }
            return false;
          }
        }
        return undefined;
      }
    : (onStart as ServiceHook<Ctx> | undefined);
  if (composedStart && starts) composedStarts.add(composedStart);

  const composedStop = stops
    ? async (ctx: Ctx): Promise<void> => {
        const failures = await runAll(stops(), ctx, 'onStop');
        if (failures.length > 0) throw new HookError(owner, failures);
      }
    : loneStop;

  return { onStart: composedStart, onStop: composedStop };
}

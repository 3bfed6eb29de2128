/**
 * Several `onStart` / `onStop` hooks for one service (GCL's `add_setup` / `add_finishes`):
 * validated, then composed into the single `onStart` and `onStop` the service core calls.
 * The rule is decision 0013: the first failing or vetoing `onStart` hook ends the start, and
 * the `onStop` hooks paired with the hooks that succeeded run at once, so the pairing holds.
 */
import { toError } from '../errors.ts';
import type { Fail } from '../internal/validate.ts';
import {
  type Hook,
  HookCollection,
  HookError,
  type HookFailure,
  hookName,
} from '../kinds/hook-collection.ts';
import type { Logger } from '../logger.ts';

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
  const stopList: List<Ctx> = stops ?? (() => (loneStop ? [loneStop] : []));
  const owner = `${kind} "${id}"`;

  const composedStart = starts
    ? async (ctx: Ctx): Promise<unknown> => {
        const fns = starts();
        for (const [index, fn] of fns.entries()) {
          let result: unknown;
          try {
            result = await fn(ctx);
          } catch (e) {
            const failure: HookFailure = {
              hook: 'onStart',
              index,
              name: hookName(fn),
              error: toError(e),
            };
            const undone = await runAll(stopList().slice(0, index), ctx, 'onStop');
            throw new HookError(owner, [failure, ...undone]);
          }
          if (result === false) {
            const undone = await runAll(stopList().slice(0, index), ctx, 'onStop');
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

  const composedStop = stops
    ? async (ctx: Ctx): Promise<void> => {
        const failures = await runAll(stops(), ctx, 'onStop');
        if (failures.length > 0) throw new HookError(owner, failures);
      }
    : loneStop;

  return { onStart: composedStart, onStop: composedStop };
}

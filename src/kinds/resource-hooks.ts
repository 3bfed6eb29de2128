/**
 * The one pairing of a kind's resource with the user's hooks: the resource (a listener, a
 * thread, a child process, a connection) is opened after the user's `onStart` and closed
 * before the user's `onStop`, so what the user sets up is there for the resource's whole life.
 */
import { toError } from '../core/errors.ts';
import type { ServiceContext } from '../core/service-options.ts';

/**
 * A hook of a service generation: the user's `onStart`/`onStop` (composed by the core), or a
 * kind's `open`/`close`. @internal
 *
 * @example
 * ```ts
 * const open: GenerationHook = async (ctx) => {
 *   ctx.logger.info('listening');
 * };
 * ```
 */
export type GenerationHook = (ctx: ServiceContext) => unknown;

/**
 * The `onStart` and `onStop` the core calls for one service. @internal
 *
 * @example
 * ```ts
 * const hooks: GenerationHooks = { onStart: undefined, onStop: (ctx) => ctx.logger.info('bye') };
 * ```
 */
export interface GenerationHooks {
  readonly onStart: GenerationHook | undefined;
  readonly onStop: GenerationHook | undefined;
}

/**
 * Pairs a kind's resource with the user's hooks (decision 0118):
 * - start: the user's `onStart` (a veto, `false`, ends the start: nothing is opened), then
 *   `open`. If `open` throws after the user's `onStart` succeeded, the user's `onStop` runs at
 *   once (its error logged as `onStop threw`) and the start fails with `open`'s error;
 * - stop: `close`, then the user's `onStop`, which runs even when `close` throws.
 *
 * Without `open` and `close`, the user's hooks are returned as they are. @internal
 *
 * @example
 * ```ts
 * const { onStart, onStop } = pairResource(
 *   { onStart: resolved.onStart, onStop: resolved.onStop },
 *   (ctx) => listen(ctx),
 *   (ctx) => closeListener(ctx),
 * );
 * ```
 */
export function pairResource(
  user: GenerationHooks,
  open: GenerationHook | undefined,
  close: GenerationHook | undefined,
): GenerationHooks {
  if (!open && !close) return user;
  const { onStart: userStart, onStop: userStop } = user;
  return {
    async onStart(ctx) {
      if (userStart && (await userStart(ctx)) === false) return false;
      try {
        await open?.(ctx);
      } catch (error) {
        // The user's onStart succeeded: their onStop still pairs with it.
        if (userStart && userStop) {
          try {
            await userStop(ctx);
          } catch (e) {
            ctx.logger.error({ err: toError(e) }, 'onStop threw');
          }
        }
        throw error;
      }
      return undefined;
    },
    async onStop(ctx) {
      try {
        await close?.(ctx);
      } finally {
        await userStop?.(ctx);
      }
    },
  };
}

/**
 * The iteration of a kind with nothing to repeat: it waits until the generation is asked to
 * stop, so the service just holds its resource. @internal
 *
 * @example
 * ```ts
 * const parts = { open: connect, close: disconnect, iterate: holdUntilStopped };
 * ```
 */
export function holdUntilStopped(ctx: ServiceContext): Promise<void> {
  const { signal } = ctx;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

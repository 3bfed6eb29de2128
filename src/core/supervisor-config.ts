/**
 * What a running supervisor needs of its options once they are resolved: the resolved options'
 * type, the hooks' context, OTP's `auto_shutdown` and its rule for significant children. Pure:
 * `createSupervisor` (in the definitions) validates and resolves; the runtime only reads these.
 */
import type { BackoffOptions } from './backoff.ts';
import type { ChildSpec } from './child-spec.ts';
import type { RestartType } from './exit-reason.ts';
import type { Logger } from './logger.ts';
import type { Strategy } from './restart-strategy.ts';
import type { ServiceHook } from './service-hooks.ts';
import type { Fail } from './validate.ts';

/**
 * OTP `auto_shutdown`: whether a supervisor stops itself when its significant children end on
 * their own. `never`: it does not; `any-significant`: when one does; `all-significant`: when
 * all have.
 *
 * Gotchas: a significant child must be `transient` or `temporary`, and is only allowed when
 * this is not `never` (checked at creation). The supervisor then ends normally (`stopped`), so
 * a `permanent` supervisor is restarted by its own parent: make it `transient` to end there.
 *
 * @example
 * ```ts
 * const job = createService({
 *   id: 'job',
 *   restart: 'transient',
 *   significant: true,
 *   iterate: (ctx) => ctx.stop(), // one iteration, then the supervisor stops too
 * });
 * const batch = createSupervisor({ id: 'batch', autoShutdown: 'any-significant', children: [job] });
 * ```
 */
export type AutoShutdown = 'never' | 'any-significant' | 'all-significant';

/**
 * What a supervisor's `onStart` and `onStop` receive: the supervisor's id, its generation (0 at
 * its first start, + 1 per restart by its parent), a signal aborted when the supervisor is
 * asked to stop (so an `onStart` waiting on something can give up), and its logger.
 *
 * @example
 * ```ts
 * const openPool = async ({ signal, logger }: SupervisorHookContext) => {
 *   await pool.connect({ signal });
 *   logger.info('pool open');
 * };
 * createSupervisor({ id: 'db', onStart: openPool, onStop: () => pool.end(), children: [] });
 * ```
 */
export interface SupervisorHookContext {
  /** The supervisor's id. */
  readonly id: string;
  /** This start's generation: 0, then + 1 at each restart by the parent. */
  readonly generation: number;
  /** Aborted once the supervisor is asked to stop (during `onStart` too). */
  readonly signal: AbortSignal;
  /** The supervisor's logger. */
  readonly logger: Logger;
}

/** Options with defaults applied (internal). */
export interface ResolvedSupervisorOptions {
  readonly id: string;
  /** Every child carries its spec (a plain machine is wrapped by `supervise()`). */
  readonly children: readonly object[];
  /**
   * How this supervisor takes a child given to `child.add` at run time: the child with its spec,
   * undefined when it is no child at all; throws `SupervisorConfigError` for a bad one. Given by
   * the definition layer, so the runtime validates children without importing it.
   */
  readonly accept: (child: unknown) => object | undefined;
  readonly strategy: Strategy;
  readonly maxRestarts: number;
  readonly restartWindow: number;
  readonly backoff: Required<BackoffOptions> | undefined;
  readonly onReset: (() => unknown) | undefined;
  readonly onStart: ServiceHook<SupervisorHookContext> | undefined;
  readonly onStop: ServiceHook<SupervisorHookContext> | undefined;
  readonly hookTimeout: number;
  readonly autoShutdown: AutoShutdown;
  readonly restart: RestartType;
  readonly resetGlobally: boolean;
  readonly significant: boolean;
  readonly logger: Logger | undefined;
  readonly random: () => number;
}

/** OTP's rules for significant children. @internal */
export function checkSignificant(
  spec: ChildSpec,
  autoShutdown: AutoShutdown,
  option: string,
  fail: Fail,
): void {
  if (!spec.significant) return;
  if (autoShutdown === 'never') {
    fail({
      option: `${option}.significant`,
      received: true,
      expected: `significant children only under autoShutdown 'any-significant' or 'all-significant' (child "${spec.id}")`,
    });
  }
  if (spec.restart === 'permanent') {
    fail({
      option: `${option}.restart`,
      received: 'permanent',
      expected: `'transient' or 'temporary' for significant child "${spec.id}" (a permanent child never ends on its own)`,
    });
  }
}

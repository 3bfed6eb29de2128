/**
 * The options of `createSupervisor`, their defaults, and their validation.
 */

import type { BackoffOptions } from '../core/backoff.ts';
import { type ChildSpec, specOf } from '../core/child-spec.ts';
import { SupervisorConfigError } from '../core/errors.ts';
import type { RestartType } from '../core/exit-reason.ts';
import type { Logger } from '../core/logger.ts';
import { STRATEGIES, type Strategy } from '../core/restart-strategy.ts';
import { resolveServiceHooks, type ServiceHooks } from '../core/service-hooks.ts';
import {
  type AutoShutdown,
  checkSignificant,
  type ResolvedSupervisorOptions,
  type SupervisorHookContext,
} from '../core/supervisor-config.ts';
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
} from '../core/validate.ts';
import type { AnyStateMachine } from '../internal/xstate.ts';
import { asChild, type SupervisedActor } from './supervise.ts';

export type { Strategy } from '../core/restart-strategy.ts';
export type { AutoShutdown, SupervisorHookContext } from '../core/supervisor-config.ts';

/**
 * Options of {@link createSupervisor}. Times are in milliseconds.
 *
 * Validated once, by `createSupervisor`: an unknown name, a bad value or a child id used twice
 * throws a `SupervisorConfigError`.
 *
 * @example
 * ```ts
 * const a = createService({ id: 'a', iterate() {} });
 * const b = createService({ id: 'b', iterate() {} });
 * createSupervisor({ id: 'root', strategy: 'one-for-one', maxRestarts: 5, children: [a, b] });
 * ```
 */
export interface SupervisorOptions {
  /** Unique among siblings; `[A-Za-z0-9_.-]+`, not only dots. Required. */
  id: string;
  /**
   * Service or supervisor machines (from `createService` / `createSupervisor`), your own
   * machines (the child id is the machine's id) and `supervise()` results, started in this
   * order, each `running` before the next starts, and stopped in reverse. Ids must be unique
   * here. More can be added at run time with `child.add`.
   * @default []
   */
  children?: readonly (AnyStateMachine | SupervisedActor)[];
  /**
   * What a child's failure restarts: itself (`one-for-one`), every child (`one-for-all`), or
   * itself and the children declared after it (`rest-for-one`).
   * @default 'one-for-all'
   */
  strategy?: Strategy;
  /**
   * Restart intensity: more restarts than this within `restartWindow` fail the supervisor.
   * @default 3
   */
  maxRestarts?: number;
  /**
   * The sliding window of `maxRestarts`, in ms; must be > 0 (as OTP's period).
   * @default 5000
   */
  restartWindow?: number;
  /**
   * A delay before each automatic restart, growing per child; reset once the child has run for
   * `max`. Off by default: restarts happen at once.
   * @default undefined
   */
  backoff?: BackoffOptions;
  /**
   * SuperLoops `reset_callback`: called in automatic restarts under `one-for-all` or
   * `rest-for-one`, after the stops and before the starts. A returned promise is awaited for up
   * to 5 s; a throw or a timeout is logged and the restart goes on. Not called by manual
   * commands.
   * @default undefined (no callback)
   */
  onReset?: () => unknown;
  /**
   * GCL Looper's `add_setup`: runs at each start of this supervisor, before its first child
   * starts (a shared pool, a lock, a directory the children need). A throw (or `false`) vetoes
   * the start: no child starts and the supervisor fails with
   * {@link SupervisorStartVetoedError}. A function, an array of functions run in order, or a
   * `HookCollection`, paired with `onStop` by position as a service's hooks are.
   * @default undefined (no hook)
   */
  onStart?: ServiceHooks<SupervisorHookContext>;
  /**
   * GCL Looper's `add_finishes`: runs after the last child stopped, once for every start whose
   * `onStart` completed (a stop, a failure, an escalation, a rolled-back start). A throw is
   * logged and the stop completes.
   * @default undefined (no hook)
   */
  onStop?: ServiceHooks<SupervisorHookContext>;
  /**
   * How long `onStart` and `onStop` may each take. An `onStart` that overruns fails the start
   * (as a throw does); an `onStop` that overruns is logged and the stop completes.
   * @default 30000
   */
  hookTimeout?: number;
  /**
   * OTP `auto_shutdown`: stop this supervisor when any (or all) significant children end on
   * their own.
   * @default 'never'
   */
  autoShutdown?: AutoShutdown;
  /**
   * Restart type of this supervisor under its own parent.
   * @default 'permanent'
   */
  restart?: RestartType;
  /**
   * When false, a sibling's failure does not restart this supervisor.
   * @default true
   */
  resetGlobally?: boolean;
  /**
   * Significant child of its parent (see `autoShutdown`).
   * @default false
   */
  significant?: boolean;
  /**
   * The logger of this supervisor and, unless they have their own, its children.
   * @default the parent's, or a console logger on stderr
   */
  logger?: Logger;
  /**
   * The random source of the backoff jitter (inject one for repeatable tests).
   * @default Math.random
   */
  random?: () => number;
}

/**
 * The defaults of {@link SupervisorOptions} (Elixir's intensity, OTP's strategy vocabulary):
 * `one-for-all`, 3 restarts within 5000 ms, `autoShutdown: 'never'`, hooks bounded by 30 s.
 *
 * @example
 * ```ts
 * const tolerant = createSupervisor({
 *   id: 'workers',
 *   maxRestarts: SUPERVISOR_DEFAULTS.maxRestarts * 10,
 *   restartWindow: SUPERVISOR_DEFAULTS.restartWindow,
 * });
 * ```
 */
export const SUPERVISOR_DEFAULTS = {
  strategy: 'one-for-all',
  maxRestarts: 3,
  restartWindow: 5_000,
  autoShutdown: 'never',
  hookTimeout: 30_000,
} as const;

const KNOWN = [
  'id',
  'children',
  'strategy',
  'maxRestarts',
  'restartWindow',
  'backoff',
  'onReset',
  'onStart',
  'onStop',
  'hookTimeout',
  'autoShutdown',
  'restart',
  'resetGlobally',
  'significant',
  'logger',
  'random',
] as const;

const BACKOFF_KNOWN = ['initial', 'max', 'factor', 'jitter'];

function unknownOption(
  option: string,
  received: unknown,
  known: readonly string[],
  owner?: string,
) {
  return new SupervisorConfigError(
    { option, received, expected: `no such option; known options are ${known.join(', ')}`, owner },
    'SUPERVISOR_CONFIG_UNKNOWN_OPTION',
  );
}

/** Checks one child and returns it as a supervisor takes it, with its spec. @internal */
export function checkChild(
  child: unknown,
  option: string,
  fail: Fail,
): { child: object; spec: ChildSpec } {
  let taken: object | undefined;
  try {
    taken = asChild(child);
  } catch (e) {
    const d = e as { expected?: string; received?: unknown };
    fail({ option, received: child, expected: d.expected ?? String(e) });
  }
  const spec = specOf(taken);
  if (!taken || !spec) {
    fail({
      option,
      received: child,
      expected:
        'a machine (createService, createSupervisor, or your own with an id) or a supervise() result',
    });
  }
  return { child: taken, spec };
}

function resolveBackoff(value: unknown, fail: Fail): Required<BackoffOptions> | undefined {
  if (value === undefined) return undefined;
  checkObject(value, 'backoff', fail);
  const b = value as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!BACKOFF_KNOWN.includes(key)) {
      fail({
        option: `backoff.${key}`,
        received: b[key],
        expected: `one of ${BACKOFF_KNOWN.join(', ')}`,
      });
    }
  }
  const initial = checkDuration(b.initial, 'backoff.initial', fail);
  const max = checkDuration(b.max, 'backoff.max', fail);
  if (initial === undefined)
    fail({
      option: 'backoff.initial',
      received: undefined,
      expected: 'a finite number of milliseconds >= 0',
    });
  if (max === undefined || max < initial) {
    fail({
      option: 'backoff.max',
      received: b.max,
      expected: `a finite number of milliseconds >= backoff.initial (${initial})`,
    });
  }
  const factor = b.factor ?? 2;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
    fail({ option: 'backoff.factor', received: factor, expected: 'a finite number >= 1' });
  }
  const jitter = b.jitter ?? 0.2;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    fail({ option: 'backoff.jitter', received: jitter, expected: 'a number from 0 to 1' });
  }
  return { initial, max, factor, jitter };
}

/** Validates and resolves supervisor options; throws `SupervisorConfigError`. @internal */
export function resolveSupervisorOptions(options: SupervisorOptions): ResolvedSupervisorOptions {
  const rawId = (options as { id?: unknown } | undefined)?.id;
  const owner = typeof rawId === 'string' ? rawId : undefined;
  const fail: Fail = (d) => {
    throw new SupervisorConfigError({ ...d, owner });
  };
  checkObject(options, 'options', fail);
  checkKnown(options, KNOWN, (option) => {
    throw unknownOption(
      option,
      (options as unknown as Record<string, unknown>)[option],
      KNOWN,
      owner,
    );
  });
  const id = checkId(options.id, fail);
  const children = options.children ?? [];
  if (!Array.isArray(children)) {
    const one = specOf(children);
    fail({
      option: 'children',
      received: children,
      expected: `an array of service or supervisor machines${one ? ` (children: [${one.id}])` : ''}`,
    });
  }
  const autoShutdown =
    checkOneOf(
      options.autoShutdown,
      ['never', 'any-significant', 'all-significant'],
      'autoShutdown',
      fail,
    ) ?? SUPERVISOR_DEFAULTS.autoShutdown;
  const seen = new Set<string>();
  const taken = children.map((child, i) => {
    const { child: c, spec } = checkChild(child, `children[${i}]`, fail);
    if (seen.has(spec.id)) {
      throw new SupervisorConfigError(
        {
          option: `children[${i}].id`,
          received: spec.id,
          expected: `an id unique among the children of "${id}" (child id "${spec.id}" is used twice)`,
          owner,
        },
        'SUPERVISOR_DUPLICATE_CHILD',
      );
    }
    seen.add(spec.id);
    checkSignificant(spec, autoShutdown, `children[${i}]`, fail);
    return c;
  });
  const logger = options.logger;
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger.error !== 'function')) {
    fail({
      option: 'logger',
      received: logger,
      expected: 'a logger with info/warn/error/debug/child',
    });
  }
  const hooks = resolveServiceHooks<SupervisorHookContext>(
    options.onStart,
    options.onStop,
    id,
    fail,
    'supervisor',
  );
  const hookTimeout = checkDuration(options.hookTimeout, 'hookTimeout', fail);
  if (hookTimeout === 0) {
    fail({
      option: 'hookTimeout',
      received: 0,
      expected: 'a finite number of milliseconds > 0',
    });
  }
  return {
    id,
    children: taken,
    accept: asChild,
    strategy:
      checkOneOf(options.strategy, STRATEGIES, 'strategy', fail) ?? SUPERVISOR_DEFAULTS.strategy,
    maxRestarts:
      checkInteger(options.maxRestarts, 'maxRestarts', fail) ?? SUPERVISOR_DEFAULTS.maxRestarts,
    restartWindow: checkRestartWindow(options.restartWindow, fail),
    backoff: resolveBackoff(options.backoff, fail),
    onReset: checkFunction(options.onReset, 'onReset', fail),
    onStart: hooks.onStart,
    onStop: hooks.onStop,
    hookTimeout: hookTimeout ?? SUPERVISOR_DEFAULTS.hookTimeout,
    autoShutdown,
    restart:
      checkOneOf(options.restart, ['permanent', 'transient', 'temporary'], 'restart', fail) ??
      'permanent',
    resetGlobally: checkBoolean(options.resetGlobally, 'resetGlobally', fail) ?? true,
    significant: checkBoolean(options.significant, 'significant', fail) ?? false,
    logger,
    random: checkFunction(options.random, 'random', fail) ?? Math.random,
  };
}

/** OTP requires a period > 0: a window of 0 counts no restart and would disable escalation. */
function checkRestartWindow(value: unknown, fail: Fail): number {
  const window = checkDuration(value, 'restartWindow', fail);
  if (window === 0) {
    fail({
      option: 'restartWindow',
      received: 0,
      expected:
        'a finite number of milliseconds > 0 (a window of 0 counts no restart, so intensity would never trip)',
    });
  }
  return window ?? SUPERVISOR_DEFAULTS.restartWindow;
}

/**
 * `supervise(logic, options)`: the user's own XState actor logic as a child of a supervisor
 * (SPEC §8), and the rules that turn a plain machine in `children` into one.
 */

import {
  type ActorChildSpec,
  attachSpec,
  type SupervisedActor,
  specOf,
} from '../core/child-spec.ts';
import { SupervisorConfigError } from '../core/errors.ts';

export type { SupervisedActor } from '../core/child-spec.ts';

import type { RestartType } from '../core/exit-reason.ts';
import {
  checkBoolean,
  checkDuration,
  checkId,
  checkKnown,
  checkObject,
  checkOneOf,
  type Fail,
} from '../core/validate.ts';
import {
  ANONYMOUS_MACHINE_ID,
  type AnyActorLogic,
  type EventFromLogic,
  type InputFrom,
  isActorLogic,
  isStateMachine,
  type SnapshotFrom,
} from '../internal/xstate.ts';

/**
 * Options of {@link supervise}. Times are in milliseconds.
 *
 * Gotchas: `ready` as a tag needs a machine (other logic has no tags); a tag no state of the
 * machine declares is warned about when the supervisor creates the child. `input` is given to
 * every generation as it is: a restart never reuses a failed actor, but it does reuse `input`.
 *
 * @example
 * ```ts
 * const options: SuperviseOptions<typeof connection> = {
 *   id: 'replica',
 *   input: { url: 'postgres://replica' },
 *   ready: 'ready',
 *   stop: { type: 'db.close' },
 * };
 * ```
 */
export interface SuperviseOptions<TLogic extends AnyActorLogic = AnyActorLogic> {
  /**
   * The child id: unique among siblings, `[A-Za-z0-9_.-]+`, not only dots.
   * @default the machine's id (required for other logic, and for a machine without an id)
   */
  id?: string;
  /**
   * The input of every generation's actor.
   * @default undefined
   */
  input?: InputFrom<TLogic>;
  /**
   * OTP restart type: `permanent` restarts after any end, `transient` after a failure only,
   * `temporary` never.
   * @default 'permanent'
   */
  restart?: RestartType;
  /**
   * A significant child of its supervisor (see the supervisor's `autoShutdown`).
   * @default false
   */
  significant?: boolean;
  /**
   * When false, a sibling's failure does not restart this child.
   * @default true
   */
  resetGlobally?: boolean;
  /**
   * When the child counts as started (`running`): a tag of the machine's state, or a predicate
   * checked on every snapshot, the first included.
   * @default undefined (running as soon as the actor has started)
   */
  ready?: string | ((snapshot: SnapshotFrom<TLogic>) => boolean);
  /**
   * Not ready within this time: the start fails and the actor is stopped.
   * @default 30000
   */
  startTimeout?: number;
  /**
   * The event that asks for a graceful stop; every stop the supervisor makes sends it and
   * waits up to `gracePeriod` for the actor to end.
   * @default undefined (the actor is stopped at once)
   */
  stop?: EventFromLogic<TLogic>;
  /**
   * How long a graceful stop waits for the actor to end after `stop`; then it is stopped and
   * `child.killed` is reported.
   * @default 5000
   */
  gracePeriod?: number;
  /**
   * The XState `systemId` every generation is registered under (`rootActor.system.get(...)`).
   * @default the child's path: the ids below the root joined by `/` (`'workers/db'`)
   */
  systemId?: string;
}

/** The defaults of {@link SuperviseOptions}. @internal */
export const SUPERVISE_DEFAULTS = { startTimeout: 30_000, gracePeriod: 5_000 } as const;

const KNOWN = [
  'id',
  'input',
  'restart',
  'significant',
  'resetGlobally',
  'ready',
  'startTimeout',
  'stop',
  'gracePeriod',
  'systemId',
] as const;

function logicName(logic: unknown): string | undefined {
  return isStateMachine(logic) && logic.id !== ANONYMOUS_MACHINE_ID ? logic.id : undefined;
}

/**
 * Puts any XState v5 actor logic under supervision: a machine, `fromPromise`, `fromCallback`,
 * `fromObservable`, `fromEventObservable` or `fromTransition`. Every generation is a new actor
 * of `logic` (with the same `input`), registered under its path as `systemId`.
 *
 * Its snapshot reaching status `done` is a normal end; status `error` (a throw in an action,
 * guard or entry, a rejected promise, a callback or observable error) is a failure whose
 * reason is the error. Restart types, strategies, intensity and reports are as for services.
 *
 * Options are validated here: a bad or unknown one, logic that is not actor logic, or no id
 * throws {@link SupervisorConfigError}.
 *
 * Gotcha: a plain machine in `children` is `supervise(machine)`; its id is the child id, so a
 * machine made without `id` needs `supervise(machine, { id })`.
 *
 * @example
 * ```ts
 * import { fromPromise } from 'xstate';
 * const migrate = supervise(fromPromise(async ({ signal }) => runMigrations(signal)), {
 *   id: 'migrate',
 *   restart: 'transient', // a finite job: done is a normal end
 * });
 * createSupervisor({ id: 'root', children: [migrate] });
 * ```
 */
export function supervise<TLogic extends AnyActorLogic>(
  logic: TLogic,
  options: SuperviseOptions<TLogic> = {},
): SupervisedActor<TLogic> {
  const rawId = (options as { id?: unknown } | null)?.id;
  const owner = typeof rawId === 'string' ? rawId : logicName(logic);
  const fail: Fail = (d) => {
    throw new SupervisorConfigError({ ...d, owner }, undefined, 'supervised actor');
  };
  if (!isActorLogic(logic)) {
    fail({
      option: 'logic',
      received: logic,
      expected:
        'XState v5 actor logic: a machine (setup().createMachine), fromPromise, fromCallback, fromObservable, fromEventObservable or fromTransition',
    });
  }
  checkObject(options, 'options', fail);
  checkKnown(options, KNOWN, (option) => {
    throw new SupervisorConfigError(
      {
        option,
        received: (options as Record<string, unknown>)[option],
        expected: `no such option; known options are ${KNOWN.join(', ')}`,
        owner,
      },
      'SUPERVISOR_CONFIG_UNKNOWN_OPTION',
      'supervised actor',
    );
  });
  const id = resolveId(logic, options.id, fail);
  const spec: ActorChildSpec = {
    kind: 'actor',
    id,
    restart:
      checkOneOf(options.restart, ['permanent', 'transient', 'temporary'], 'restart', fail) ??
      'permanent',
    resetGlobally: checkBoolean(options.resetGlobally, 'resetGlobally', fail) ?? true,
    significant: checkBoolean(options.significant, 'significant', fail) ?? false,
    // Plain values only (no function): built as it is, not filtered as a service's options are.
    describe: {
      id,
      restart: options.restart ?? 'permanent',
      ready: typeof options.ready === 'string' ? options.ready : options.ready && 'predicate',
      stop: options.stop?.type,
      startTimeout: options.startTimeout ?? SUPERVISE_DEFAULTS.startTimeout,
      gracePeriod: options.gracePeriod ?? SUPERVISE_DEFAULTS.gracePeriod,
      systemId: options.systemId,
    },
    logic,
    input: options.input,
    ready: checkReady(logic, options.ready, fail),
    startTimeout:
      checkDuration(options.startTimeout, 'startTimeout', fail) ?? SUPERVISE_DEFAULTS.startTimeout,
    stop: checkStopEvent(options.stop, fail),
    gracePeriod:
      checkDuration(options.gracePeriod, 'gracePeriod', fail) ?? SUPERVISE_DEFAULTS.gracePeriod,
    systemId: checkSystemId(options.systemId, fail),
  };
  return Object.freeze(attachSpec({ id, logic }, spec));
}

function resolveId(logic: AnyActorLogic, id: unknown, fail: Fail): string {
  if (id !== undefined) return checkId(id, fail);
  const name = logicName(logic);
  if (name === undefined) {
    fail({
      option: 'id',
      received: undefined,
      expected: isStateMachine(logic)
        ? 'an id: this machine has none (give it one: createMachine({ id: "db", ... }), or supervise(machine, { id: "db" }))'
        : 'an id for logic that is not a machine: supervise(logic, { id: "job" })',
    });
  }
  return checkId(name, fail);
}

function checkReady(logic: AnyActorLogic, ready: unknown, fail: Fail): ActorChildSpec['ready'] {
  if (ready === undefined || typeof ready === 'function') {
    return ready as ActorChildSpec['ready'];
  }
  if (typeof ready !== 'string' || ready === '') {
    fail({
      option: 'ready',
      received: ready,
      expected: 'a tag of the machine (a non-empty string) or a predicate (snapshot) => boolean',
    });
  }
  if (!isStateMachine(logic)) {
    fail({
      option: 'ready',
      received: ready,
      expected:
        'a predicate (snapshot) => boolean: only machines have tags (use ready: (s) => ... for other logic)',
    });
  }
  return ready;
}

function checkStopEvent(stop: unknown, fail: Fail): ActorChildSpec['stop'] {
  if (stop === undefined) return undefined;
  if (
    typeof stop !== 'object' ||
    stop === null ||
    typeof (stop as { type?: unknown }).type !== 'string'
  ) {
    fail({
      option: 'stop',
      received: stop,
      expected: "an event object with a string `type`, e.g. { type: 'db.close' }",
    });
  }
  return stop as { type: string };
}

function checkSystemId(systemId: unknown, fail: Fail): string | undefined {
  if (systemId === undefined) return undefined;
  if (typeof systemId !== 'string' || systemId === '') {
    fail({ option: 'systemId', received: systemId, expected: 'a non-empty string' });
  }
  return systemId;
}

/**
 * A child of `children` or `child.add` as a supervisor takes it: a machine made by
 * `createService`/`createSupervisor` or a `supervise()` result as it is, a plain machine as
 * `supervise(machine)`; undefined for anything else. Throws `SupervisorConfigError` for a
 * plain machine without an id. @internal
 */
export function asChild(child: unknown): object | undefined {
  if (specOf(child)) return child as object;
  if (isStateMachine(child)) return supervise(child);
  return undefined;
}

/**
 * The supervisor machine: the same lifecycle as a service
 * (`idle → starting → running → stopping → stopped`, and `failed`), driving a
 * {@link SupervisorCore} that owns the children and takes the decisions.
 */

import type { SupervisorCommand } from '../actors/supervisor-commands.ts';
import { SupervisorCore } from '../actors/supervisor-core.ts';
import { attachSpec, describeOptions } from '../core/child-spec.ts';
import { toError } from '../core/errors.ts';
import { failure, NORMAL, SHUTDOWN } from '../core/exit-reason.ts';
import { createConsoleLogger, type Logger } from '../core/logger.ts';
import type { SupervisorReport } from '../core/reports.ts';
import type { ResolvedSupervisorOptions } from '../core/supervisor-config.ts';
import {
  clockOf,
  derivedData,
  deriveMachine,
  fromCallback,
  fromPromise,
  setup,
} from '../internal/xstate.ts';
import { resolveSupervisorOptions, type SupervisorOptions } from './supervisor-options.ts';

/**
 * Events a supervisor accepts: lifecycle (`supervisor.*`) and manual commands (`child.*`, see
 * {@link SupervisorCommand}). `supervisor.start` in `idle`, `stopped` or `failed`;
 * `supervisor.stop` and `supervisor.fail` in `running`, or in `starting`, where they are
 * applied once the children have started. Commands are accepted in every state, and refused
 * (logged) unless the supervisor is running.
 *
 * Gotcha: `core.*` are the supervisor's own reports to itself (intensity exceeded, auto
 * shutdown); never send them. To stop a tree and wait for it, use `shutdown(actor)`.
 *
 * @example
 * ```ts
 * const actor = createActor(createSupervisor({ id: 'root', children: [] })).start();
 * actor.send({ type: 'supervisor.fail', error: new Error('lost the lease') }); // stopping → failed
 * ```
 */
export type SupervisorEvent =
  | SupervisorCommand
  | { type: 'supervisor.start' }
  | { type: 'supervisor.stop' }
  | { type: 'supervisor.fail'; error?: unknown }
  | { type: 'core.escalate' }
  | { type: 'core.auto-shutdown' };

/** Internal: set by a parent supervisor. */
export interface SupervisorInput {
  readonly logger?: Logger;
  readonly generation?: number;
  readonly autoStart?: boolean;
  /** The ids from the root supervisor down to this one. */
  readonly path?: readonly string[];
}

/** A child actor's error, relayed by XState to its parent (this supervisor). */
type ChildActorError = { type: `xstate.error.actor.${string}`; error: unknown };

const supervisorSetup = setup({
  types: {
    context: {} as { readonly core: SupervisorCore },
    events: {} as SupervisorEvent | ChildActorError,
    input: {} as SupervisorInput | undefined,
    emitted: {} as SupervisorReport,
  },
  actors: {
    startChildren: fromPromise<void, SupervisorCore>(({ input }) => input.startAll()),
    stopChildren: fromPromise<void, SupervisorCore>(({ input }) => input.stopAll()),
    lifetime: fromCallback<{ type: string }, SupervisorCore>(
      ({ input }) =>
        () =>
          input.dispose(),
    ),
  },
  actions: {
    dispatch: ({ context, event }) => {
      context.core
        .command(event as SupervisorCommand)
        .catch((e: unknown) =>
          context.core.logger.warn({ command: event.type, err: toError(e) }, 'command refused'),
        );
    },
    exitShutdown: ({ context }) => context.core.setExit(SHUTDOWN),
    exitNormal: ({ context }) => context.core.setExit(NORMAL),
    exitFailure: ({ context, event }) => {
      if (event.type === 'core.escalate') return; // the core has recorded why
      const error = (event as { error?: unknown }).error;
      context.core.setExit(failure(toError(error ?? 'supervisor.fail received')));
    },
    deferShutdown: ({ context }) => {
      context.core.pendingExit ??= SHUTDOWN;
    },
    deferNormal: ({ context }) => {
      context.core.pendingExit ??= NORMAL;
    },
    deferFailure: ({ context, event }) => {
      const error = (event as { error?: unknown }).error;
      context.core.pendingExit =
        context.core.exit._tag === 'Failure' && event.type === 'core.escalate'
          ? context.core.exit
          : failure(toError(error ?? 'supervisor.fail received'));
    },
    applyPendingExit: ({ context }) => {
      context.core.accepting = false;
      context.core.setExit(context.core.pendingExit ?? SHUTDOWN);
    },
    clearAutoStart: ({ context }) => {
      context.core.autoStart = false;
    },
    abortStart: ({ context }) => context.core.abortStart(),
  },
  guards: {
    autoStart: ({ context }) => context.core.autoStart,
    exitPending: ({ context }) => context.core.pendingExit !== undefined,
    endedInFailure: ({ context }) => context.core.exit._tag === 'Failure',
  },
});

/**
 * A supervisor machine, as returned by {@link createSupervisor}: pass it to `createActor`, to
 * `run()`, or to another supervisor's `children`; any XState machine can also invoke it.
 *
 * Gotcha: like a service machine, it derives from one shared definition: only `id` and the
 * options are its own, `config` and the state nodes are shared (id `'supervisor'`), and
 * `provide()` loses the options: do not call it.
 *
 * @example
 * ```ts
 * const workers: SupervisorMachine = createSupervisor({ id: 'workers', strategy: 'one-for-one' });
 * const root = createSupervisor({ id: 'root', children: [workers] });
 * ```
 */
export type SupervisorMachine = typeof supervisorMachine;

const COMMANDS = {
  'child.start': { actions: 'dispatch' },
  'child.stop': { actions: 'dispatch' },
  'child.restart': { actions: 'dispatch' },
  'child.hard-reset': { actions: 'dispatch' },
  'child.fail': { actions: 'dispatch' },
  'child.add': { actions: 'dispatch' },
  'child.remove': { actions: 'dispatch' },
  'child.send': { actions: 'dispatch' },
} as const;

/** What each supervisor definition carries for its actors. */
interface SupervisorDefinition {
  readonly opts: ResolvedSupervisorOptions;
}

/** One machine for every supervisor; each `createSupervisor` derives from it. */
const supervisorMachine = supervisorSetup.createMachine({
  id: 'supervisor',
  context: ({ input, self }) => {
    const { opts } = derivedData<SupervisorDefinition>(self);
    const base = opts.logger ?? input?.logger ?? createConsoleLogger();
    const core = new SupervisorCore(
      opts,
      self,
      base.child({ supervisor: opts.id }),
      clockOf(self),
      input?.generation ?? -1,
      input?.path,
    );
    core.autoStart = input?.autoStart ?? true;
    return { core };
  },
  invoke: { src: 'lifetime', input: ({ context }) => context.core },
  // A supervised actor's error (or a crashed child machine's) reaches its parent, this actor,
  // as `xstate.error.actor.<id>`; unhandled, it would fail the supervisor itself. The child's
  // own observer handles it.
  on: { 'xstate.error.actor.*': {} },
  initial: 'idle',
  states: {
    idle: {
      always: { guard: 'autoStart', target: 'starting', actions: 'clearAutoStart' },
      on: { ...COMMANDS, 'supervisor.start': 'starting' },
    },
    starting: {
      invoke: {
        src: 'startChildren',
        input: ({ context }) => context.core,
        onDone: [
          { guard: 'exitPending', target: 'stopping', actions: 'applyPendingExit' },
          { target: 'running' },
        ],
        onError: 'failed',
      },
      on: {
        'supervisor.stop': { actions: ['deferShutdown', 'abortStart'] },
        'supervisor.fail': { actions: ['deferFailure', 'abortStart'] },
        'core.escalate': { actions: 'deferFailure' },
        'core.auto-shutdown': { actions: 'deferNormal' },
        ...COMMANDS,
      },
    },
    running: {
      on: {
        ...COMMANDS,
        'supervisor.stop': { target: 'stopping', actions: 'exitShutdown' },
        'supervisor.fail': { target: 'stopping', actions: 'exitFailure' },
        'core.escalate': { target: 'stopping', actions: 'exitFailure' },
        'core.auto-shutdown': { target: 'stopping', actions: 'exitNormal' },
      },
    },
    stopping: {
      on: COMMANDS,
      invoke: {
        src: 'stopChildren',
        input: ({ context }) => context.core,
        onDone: [{ guard: 'endedInFailure', target: 'failed' }, { target: 'stopped' }],
        onError: 'failed',
      },
    },
    stopped: { on: { ...COMMANDS, 'supervisor.start': 'starting' } },
    failed: { on: { ...COMMANDS, 'supervisor.start': 'starting' } },
  },
});

/**
 * Creates a supervisor: an XState machine that starts its children in order, keeps them
 * running with an OTP strategy, restart intensity and optional backoff, and escalates to its
 * own parent when restarts exceed `maxRestarts` within `restartWindow`. Every decision is
 * emitted on the actor (`actor.on('child.restarted', ...)`) and bubbles up to the root.
 *
 * Options are validated here: a bad or unknown one, or a child id used twice, throws
 * {@link SupervisorConfigError}.
 *
 * Gotcha: `actor.stop()` is not a graceful stop: it stops every child actor at once, and
 * `onStop` hooks run without anyone waiting for them. Use {@link shutdown} (or `run()`), which
 * stops the children in reverse start order and resolves when they have stopped.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createService, createSupervisor, getTree, shutdown } from 'xstate-supervisor';
 *
 * const root = createSupervisor({
 *   id: 'root',
 *   strategy: 'one-for-one',
 *   children: [createService({ id: 'poller', minPeriod: 1_000, iterate() {} })],
 * });
 * const actor = createActor(root).start();
 * actor.on('child.restarted', (r) => console.log(r.path, r.reason));
 * getTree(actor);
 * await shutdown(actor);
 * ```
 */
export function createSupervisor(options: SupervisorOptions): SupervisorMachine {
  const opts = resolveSupervisorOptions(options);
  const machine = deriveMachine(supervisorMachine, opts.id, {
    opts,
  } satisfies SupervisorDefinition);
  return attachSpec(machine, {
    kind: 'supervisor',
    id: options.id,
    restart: options.restart ?? 'permanent',
    resetGlobally: options.resetGlobally ?? true,
    significant: options.significant ?? false,
    describe: describeOptions(options),
  });
}

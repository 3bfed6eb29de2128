/**
 * The service machine: `idle → starting → running → stopping → stopped`, plus `failed`.
 * It knows nothing of its parent: a parent drives it with `service.*` events and learns of its
 * state by subscribing, so the same machine runs alone or under a supervisor.
 */
import { ServiceRuntime } from '../actors/loop.ts';
import { attachSharedContext } from '../actors/shared-context.ts';
import { attachSpec, describeOptions } from '../core/child-spec.ts';
import { toError } from '../core/errors.ts';
import { failure, NORMAL, SHUTDOWN } from '../core/exit-reason.ts';
import { createConsoleLogger, type Logger } from '../core/logger.ts';
import {
  type ConfigOf,
  type ServiceConfigOptions,
  withoutConfigValues,
} from '../core/service-config.ts';
import {
  type ResolvedServiceOptions,
  resolveServiceOptions,
  type ServiceOptions,
} from '../core/service-options.ts';
import {
  clockOf,
  derivedData,
  deriveMachine,
  fromPromise,
  isActorStopped,
  sendUnlessStopped,
  setup,
} from '../internal/xstate.ts';

/**
 * Events a service accepts. `service.*` come from outside (a parent, a test, your app):
 * `service.start` in `idle`, `stopped` or `failed`; `service.stop` and `service.fail` in
 * `running`, or in `starting`, where they are applied once `onStart` has finished;
 * `service.hard-reset` in `running`, not during another hard reset. Events sent in any other
 * state are ignored.
 *
 * Gotchas: `loop.*` (its loop ended by itself), `start.*` (how `onStart` ended) and
 * `stop.done` (the stop finished) are the machine's own reports; never send them, a stray
 * `stop.done` would end a stop before `onStop` has run. Under a supervisor, prefer the
 * supervisor's `child.*` commands to sending `service.*` to the child directly.
 *
 * @example
 * ```ts
 * const actor = createActor(createService({ id: 'job', minPeriod: 1_000, iterate() {} })).start();
 * actor.send({ type: 'service.hard-reset' }); // next generation, onStart/onStop not run
 * actor.send({ type: 'service.fail', error: new Error('config changed') }); // stopping → failed
 * actor.send({ type: 'service.start' }); // ignored until the service has reached failed
 * ```
 */
export type ServiceEvent =
  | { type: 'service.start' }
  | { type: 'service.stop' }
  | { type: 'service.hard-reset' }
  | { type: 'service.fail'; error?: unknown }
  | { type: 'loop.done' }
  | { type: 'loop.failed'; error: Error }
  | { type: 'start.done' }
  | { type: 'start.vetoed' }
  | { type: 'start.failed'; error: unknown }
  | { type: 'stop.done' };

/**
 * Input a parent may pass when it creates the actor.
 * Internal: set by supervisors.
 */
export interface ServiceInput {
  readonly logger?: Logger;
  /** The generation the next start should follow (a parent re-creating a crashed actor). */
  readonly generation?: number;
  /** Start at once (the default for a lone actor); a supervisor starts its children itself. */
  readonly autoStart?: boolean;
}

/** Internal: the context of a service actor. */
export interface ServiceMachineContext {
  readonly rt: ServiceRuntime;
}

const serviceSetup = setup({
  types: {
    context: {} as ServiceMachineContext,
    events: {} as ServiceEvent,
    input: {} as ServiceInput | undefined,
  },
  actors: {
    runHardReset: fromPromise<void, ServiceRuntime>(({ input }) => input.hardReset()),
  },
  actions: {
    // `onStart` and the stop run from actions that report back with `start.*` / `stop.done`,
    // not from invoked promise actors: an XState actor (and an AbortController) less on every
    // start and every stop, which is most of the cost of a restart.
    runOnStart: ({ context, self }) => {
      context.rt
        .start(() => isActorStopped(self))
        .then(
          (result) =>
            sendUnlessStopped(self, { type: result === 'vetoed' ? 'start.vetoed' : 'start.done' }),
          (error: unknown) => sendUnlessStopped(self, { type: 'start.failed', error }),
        );
    },
    runStop: ({ context, self }) => {
      void context.rt.finish().then(() => sendUnlessStopped(self, { type: 'stop.done' }));
    },
    // The loop is started and halted by actions, not an invoked actor: one actor less per
    // running service. An actor stopped from outside halts it through `actorStopped`.
    startLoop: ({ context, self }) => context.rt.startLoop((event) => self.send(event)),
    haltLoop: ({ context }) => context.rt.haltLoop(),
    rollbackGeneration: ({ context }) => context.rt.rollbackGeneration(),
    recordStartFailure: ({ context, event }) =>
      context.rt.startFailed((event as { error?: unknown }).error),
    abortStart: ({ context }) => context.rt.abortStart(),
    endAbortedStart: ({ context, event }) =>
      context.rt.startAborted((event as { error?: unknown }).error),
    exitNormal: ({ context }) => context.rt.setExit(NORMAL),
    exitShutdown: ({ context }) => context.rt.setExit(SHUTDOWN),
    exitFailure: ({ context, event }) => {
      const error = (event as { error?: unknown }).error;
      context.rt.setExit(failure(toError(error ?? 'service.fail received')));
    },
    deferShutdown: ({ context }) => {
      context.rt.pendingExit ??= SHUTDOWN;
    },
    deferFailure: ({ context, event }) => {
      const error = (event as { error?: unknown }).error;
      context.rt.pendingExit = failure(toError(error ?? 'service.fail received'));
    },
    applyPendingExit: ({ context }) => context.rt.setExit(context.rt.pendingExit ?? SHUTDOWN),
    clearAutoStart: ({ context }) => {
      context.rt.autoStart = false;
    },
  },
  guards: {
    exitPending: ({ context }) => context.rt.pendingExit !== undefined,
    stopPending: ({ context }) => context.rt.pendingExit?._tag === 'Shutdown',
    endedInFailure: ({ context }) => context.rt.exit._tag === 'Failure',
    autoStart: ({ context }) => context.rt.autoStart,
  },
});

/**
 * A service machine, as returned by {@link createService}: pass it to `createActor` or to a
 * supervisor's `children`. One machine may back any number of actors, each with its own loop,
 * counters and generations.
 *
 * Gotcha: every service machine derives from one shared definition; only `id` (the service
 * id) and the options are its own. `config`, `root` and the state nodes are the shared ones
 * (whose id is `'service'`), and `provide()` returns a machine that has lost the options, whose
 * actors crash when they start: do not call it.
 *
 * @example
 * ```ts
 * const worker: ServiceMachine = createService({ id: 'worker', pause: 100, iterate() {} });
 * const actors = [1, 2, 3].map(() => createActor(worker).start()); // three independent loops
 * ```
 */
export type ServiceMachine = typeof serviceMachine;

/** What each service definition carries for its actors. */
interface ServiceDefinition {
  readonly opts: ResolvedServiceOptions;
}

/**
 * Tells the runtime when its actor is stopped from outside. Only `complete`: an error listener
 * here would hide a crash from XState's unhandled error reporting. A class, so a service costs
 * one small object rather than a closure.
 */
class ActorStopObserver {
  private readonly rt: ServiceRuntime;
  constructor(rt: ServiceRuntime) {
    this.rt = rt;
  }
  complete(): void {
    this.rt.actorStopped();
  }
}

/** One machine for every service; each `createService` derives from it. */
const serviceMachine = serviceSetup.createMachine({
  id: 'service',
  context: ({ input, self }) => {
    const { opts } = derivedData<ServiceDefinition>(self);
    const base = opts.logger ?? input?.logger ?? createConsoleLogger();
    const rt = new ServiceRuntime(
      opts,
      base.child({ service: opts.id }),
      clockOf(self),
      input?.generation ?? -1,
    );
    rt.autoStart = input?.autoStart ?? true;
    attachSharedContext(rt, self);
    self.subscribe(new ActorStopObserver(rt));
    return { rt };
  },
  initial: 'idle',
  states: {
    idle: {
      always: { guard: 'autoStart', target: 'starting', actions: 'clearAutoStart' },
      on: { 'service.start': 'starting' },
    },
    starting: {
      entry: 'runOnStart',
      on: {
        'start.vetoed': [
          // Vetoed after a stop or fail came: the stop (or failure) is what the caller waits for.
          {
            guard: 'stopPending',
            target: 'stopped',
            actions: ['rollbackGeneration', 'exitShutdown'],
          },
          {
            guard: 'exitPending',
            target: 'failed',
            actions: ['rollbackGeneration', 'applyPendingExit'],
          },
          { target: 'idle', actions: 'rollbackGeneration' },
        ],
        'start.done': [
          { guard: 'exitPending', target: 'stopping', actions: 'applyPendingExit' },
          { target: 'running' },
        ],
        'start.failed': [
          // A stop aborted the start: it ends stopped, not failed.
          { guard: 'stopPending', target: 'stopped', actions: 'endAbortedStart' },
          { guard: 'exitPending', target: 'failed', actions: 'applyPendingExit' },
          { target: 'failed', actions: 'recordStartFailure' },
        ],
        'service.stop': { actions: ['deferShutdown', 'abortStart'] },
        'service.fail': { actions: ['deferFailure', 'abortStart'] },
      },
    },
    running: {
      initial: 'looping',
      on: {
        'loop.done': { target: 'stopping', actions: 'exitNormal' },
        'loop.failed': { target: 'stopping', actions: 'exitFailure' },
        'service.stop': { target: 'stopping', actions: 'exitShutdown' },
        'service.fail': { target: 'stopping', actions: 'exitFailure' },
      },
      states: {
        looping: {
          entry: 'startLoop',
          exit: 'haltLoop',
          on: { 'service.hard-reset': 'resetting' },
        },
        resetting: {
          invoke: {
            src: 'runHardReset',
            input: ({ context }) => context.rt,
            onDone: 'looping',
          },
        },
      },
    },
    stopping: {
      entry: 'runStop',
      on: { 'stop.done': [{ guard: 'endedInFailure', target: 'failed' }, { target: 'stopped' }] },
    },
    stopped: { on: { 'service.start': 'starting' } },
    failed: { on: { 'service.start': 'starting' } },
  },
});

/**
 * Creates a service: an XState machine whose top-level states are
 * `idle → starting → running → stopping → stopped` (and `failed`), running `iterate` again and
 * again at the pace the options set. `createActor(service).start()` runs it alone at once; under
 * a supervisor, the supervisor starts it.
 *
 * Options are validated here: a bad or unknown one throws {@link ServiceConfigError}.
 *
 * Cheap to call: the machine is a small object that delegates to one definition shared by
 * every service, not a new `createMachine` (see {@link ServiceMachine} for what that means for
 * `config` and `provide()`). A throw or a rejection from `iterate` is a counted failure, not a
 * crash; only failure number `maxFailures + 1` ends the generation.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createService } from 'xstate-supervisor';
 *
 * const poller = createService({
 *   id: 'poller',
 *   minPeriod: 5_000,
 *   async iterate(ctx) {
 *     const res = await fetch('http://127.0.0.1:8080/health', { signal: ctx.signal });
 *     if (!res.ok) ctx.fail(new Error(`health ${res.status}`));
 *   },
 * });
 * const actor = createActor(poller).start();
 * ```
 */
export function createService<
  const Def extends ServiceConfigOptions | undefined = ServiceConfigOptions | undefined,
>(options: ServiceOptions<ConfigOf<Def>, Def>): ServiceMachine {
  return serviceFromResolved(resolveServiceOptions(options), withoutConfigValues(options));
}

/**
 * A service machine from options already resolved (and extended) by a service kind: periodic,
 * cron, queue and event workers, servers. `shown` is what the inspector shows as options.
 * @internal
 */
export function serviceFromResolved(opts: ResolvedServiceOptions, shown: object): ServiceMachine {
  const machine = deriveMachine(serviceMachine, opts.id, { opts } satisfies ServiceDefinition);
  return attachSpec(machine, {
    kind: 'service',
    id: opts.id,
    restart: opts.restart,
    resetGlobally: opts.resetGlobally,
    significant: opts.significant,
    describe: describeOptions(shown),
  });
}

/**
 * `createProcessHub` (GCL Looper's `ProcessHubService`): N replicas of one child definition
 * under a supervisor.
 */
import type { AnyStateMachine } from 'xstate';
import { SupervisorConfigError } from '../core/errors.ts';
import { checkFunction, checkInteger, checkObject, type Fail } from '../core/validate.ts';
import { createSupervisor, type SupervisorMachine } from '../machines/supervisor.ts';
import type { SupervisorOptions } from '../machines/supervisor-options.ts';

/**
 * Options of {@link createProcessHub}: the supervisor's options (but `children`), `onStart`
 * and `onStop` included, plus `replicas` and `child`.
 *
 * @example
 * ```ts
 * const options: ProcessHubOptions = {
 *   id: 'web',
 *   replicas: 2,
 *   onStart: ({ logger }) => logger.info('replicas starting'),
 *   child: (_i, id) => createProcessService({ id, module: './worker.mjs' }),
 * };
 * ```
 */
export interface ProcessHubOptions extends Omit<SupervisorOptions, 'children' | 'strategy'> {
  /** How many replicas to run, >= 1. Required. */
  replicas: number;
  /**
   * Makes replica `index` (0-based); give it the id `childId` (`${hubId}-${index}`). Usually a
   * `createProcessService` (with `cluster: true` for HTTP workers sharing one port). Required.
   */
  child: (index: number, childId: string) => AnyStateMachine;
  /**
   * What a replica's death restarts. The hub's default restarts only the dead one.
   * @default 'one-for-one'
   */
  strategy?: SupervisorOptions['strategy'];
}

/**
 * A supervisor of `replicas` identical children `${id}-0` … `${id}-${replicas - 1}`, made by
 * `child(index, childId)`, restarted one-for-one by default. Options are validated as
 * `createSupervisor`'s are (`SupervisorConfigError`); `children` is refused, since the hub makes
 * its own. HTTP workers among them share one
 * port when each is a `createProcessService({ module, cluster: true })`: this process, the
 * cluster primary, owns the port and hands connections to the workers.
 *
 * The supervisor's `onStart` / `onStop` apply: `onStart` runs before the first replica starts
 * (a throw vetoes the start, and no replica starts), `onStop` after the last one stopped, at
 * every start and restart of the hub.
 *
 * GCL's hub stops every child when one dies: make the replicas `restart: 'transient'` and
 * `significant: true`, and pass `autoShutdown: 'any-significant'` (a replica that fails is
 * still restarted; one that exits with code 0 stops the hub).
 *
 * @example
 * ```ts
 * const hub = createProcessHub({
 *   id: 'web',
 *   replicas: 4,
 *   maxRestarts: 10,
 *   child: (_i, id) => createProcessService({ id, module: './http-worker.mjs', cluster: true }),
 * });
 * createActor(hub).start();
 * ```
 */
export function createProcessHub(options: ProcessHubOptions): SupervisorMachine {
  const owner = typeof options?.id === 'string' ? options.id : undefined;
  const fail: Fail = (d) => {
    throw new SupervisorConfigError({ ...d, owner });
  };
  checkObject(options, 'options', fail);
  if ('children' in options) {
    // The hub makes its children; a `children` given too would be dropped without a word.
    throw new SupervisorConfigError(
      {
        option: 'children',
        received: (options as { children?: unknown }).children,
        expected:
          'no such option for a process hub: its children are the `replicas` made by `child(index, childId)`',
        owner,
      },
      'SUPERVISOR_CONFIG_UNKNOWN_OPTION',
    );
  }
  const { replicas, child, ...rest } = options;
  checkInteger(replicas, 'replicas', fail, 1);
  if (replicas === undefined)
    fail({ option: 'replicas', received: replicas, expected: 'an integer >= 1' });
  checkFunction(child, 'child', fail, true);
  const children = Array.from({ length: replicas }, (_, i) => child(i, `${options.id}-${i}`));
  return createSupervisor({ ...rest, strategy: rest.strategy ?? 'one-for-one', children });
}

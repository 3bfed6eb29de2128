/**
 * What `run()` does when a shutdown runs out of time: before the process exits, every queue
 * worker in the tree hands over the tasks it has not processed, so none is lost silently.
 */
import { walkChildren } from '../control/resolve.ts';
import { XstateSupervisorError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { AnyActorRef, AnyStateMachine } from '../internal/xstate.ts';
import { type AbandonQueue, abandonerOf } from '../kinds/queue-worker-definition.ts';

/** Every queue worker definition in the tree (once each, even under two supervisors). */
function queuesOf(root: AnyStateMachine, actor: AnyActorRef): Set<AbandonQueue> {
  const found = new Set<AbandonQueue>();
  const add = (machine: unknown) => {
    const abandon = abandonerOf(machine);
    if (abandon) found.add(abandon);
  };
  add(root);
  walkChildren(actor, (record) => add(record.definition));
  return found;
}

/**
 * The shutdown ran out of time: every queue worker in the tree stops its handlers and hands
 * its unprocessed tasks to `onDiscard` (or logs their count). Resolves once every `onDiscard`
 * has settled, or after `timeout` (logged), so the exit that follows is never held for long.
 * @internal
 */
export async function handOverQueues(
  root: AnyStateMachine,
  actor: AnyActorRef,
  logger: Logger,
  timeout: number,
  why: string,
): Promise<void> {
  const queues = queuesOf(root, actor);
  if (queues.size === 0) return;
  const reason = new XstateSupervisorError('RUN_DEADLINE', `The run is ending: ${why}.`);
  const all = Promise.all([...queues].map((abandon) => abandon(logger, reason)));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeout);
  });
  try {
    if ((await Promise.race([all, late])) === 'late') {
      logger.error(
        { discardTimeout: timeout },
        'onDiscard of a queue worker did not settle within discardTimeout; exiting anyway',
      );
    }
  } finally {
    clearTimeout(timer);
  }
}

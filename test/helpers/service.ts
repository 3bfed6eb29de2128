/**
 * Runs a lone service actor with a capturing logger, for the service tests.
 */
import { createActor } from 'xstate';
import {
  createService,
  getTree,
  type LifecycleState,
  type ServiceContext,
  type ServiceOptions,
  type TreeNode,
} from '../../src/index.ts';
import { sleep } from './async.ts';
import { type CapturingLogger, createCapturingLogger } from './capture-logger.ts';

export interface Launched {
  readonly actor: ReturnType<typeof createActor<ReturnType<typeof createService>>>;
  readonly logger: CapturingLogger;
  tree(): TreeNode;
  state(): LifecycleState;
}

/** Creates the service with a capturing logger and starts it alone (it starts at once). */
export function launch(options: Omit<ServiceOptions, 'logger'>): Launched {
  const logger = createCapturingLogger();
  const actor = createActor(createService({ ...options, logger })).start();
  return {
    actor,
    logger,
    tree: () => getTree(actor),
    state: () => getTree(actor).state,
  };
}

/** An iteration that ignores ctx.signal and takes `ms`; keeps its ctx for later mischief. */
export function stubborn(ms: number, contexts: ServiceContext[], log: string[]) {
  return async (ctx: ServiceContext) => {
    contexts[ctx.generation] = ctx;
    log.push(`gen ${ctx.generation} it ${ctx.iteration} start`);
    await sleep(ms);
    log.push(`gen ${ctx.generation} it ${ctx.iteration} end`);
  };
}

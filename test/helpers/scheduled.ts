/**
 * Helpers for the timed service kinds' tests (periodic, cron): actors stopped after each test,
 * and a small supervised tree with a sibling that can be failed on purpose.
 */
import { type AnyActorRef, createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  type ServiceMachine,
  type Strategy,
} from '../../src/index.ts';
import { createCapturingLogger } from './capture-logger.ts';

/** Actors started by a test; `stopAll()` in `afterEach`. */
const started: AnyActorRef[] = [];

/** Starts `machine` alone and registers the actor for `stopAll()`. */
export function startTracked(machine: ServiceMachine): AnyActorRef {
  const actor = createActor(machine).start();
  started.push(actor);
  return actor;
}

/** Registers actors started elsewhere. */
export function track(...actors: AnyActorRef[]): void {
  started.push(...actors);
}

export function stopAll(): void {
  for (const actor of started.splice(0)) actor.stop();
}

/** Where the kind's child sits among the two children. */
export type Order = 'kind-first' | 'sibling-first';

/**
 * A root supervisor with `strategy` over the kind's service and a plain `sibling` service;
 * send `child.fail` to `sibling` and read `generations()`.
 */
export function supervisedWithSibling(strategy: Strategy, child: ServiceMachine, order: Order) {
  const sibling = createService({ id: 'sibling', minPeriod: 100, iterate() {} });
  const children = order === 'kind-first' ? [child, sibling] : [sibling, child];
  const actor = createActor(
    createSupervisor({ id: 'root', strategy, children, logger: createCapturingLogger() }),
  ).start();
  started.push(actor);
  const generations = () =>
    Object.fromEntries((getTree(actor).children ?? []).map((c) => [c.id, c.generation]));
  const node = (id: string) => getTree(actor).children?.find((c) => c.id === id);
  return { actor, generations, node };
}

/** Each strategy, with where the kind sits, and the kind's generation after the sibling failed. */
export const STRATEGY_CASES: readonly [Strategy, Order, number][] = [
  ['one-for-one', 'sibling-first', 0],
  ['one-for-all', 'kind-first', 1],
  ['rest-for-one', 'sibling-first', 1],
  ['rest-for-one', 'kind-first', 0],
];

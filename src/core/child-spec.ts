/**
 * What a supervisor needs to know about a child machine, attached to the machine object itself
 * (never a module-level registry).
 * Internal: not exported from the package (blocked by the `exports` map).
 */

import type { AnyActorLogic } from 'xstate';
import type { RestartType } from './exit-reason.ts';

export interface ChildSpec {
  /** `actor`: the user's own actor logic, under `supervise()` (see {@link ActorChildSpec}). */
  readonly kind: 'service' | 'supervisor' | 'actor';
  readonly id: string;
  readonly restart: RestartType;
  readonly resetGlobally: boolean;
  readonly significant: boolean;
  /** Options shown by the inspector (functions left out). */
  readonly describe: Readonly<Record<string, unknown>>;
}

/** The spec of a user's own actor under `supervise()`: its logic and its resolved options. */
export interface ActorChildSpec extends ChildSpec {
  readonly kind: 'actor';
  readonly logic: AnyActorLogic;
  readonly input: unknown;
  /** A tag, or a predicate on the snapshot; undefined: ready at once. */
  readonly ready: string | ((snapshot: never) => boolean) | undefined;
  readonly startTimeout: number;
  /** The event that asks for a graceful stop; undefined: stopped at once. */
  readonly stop: { readonly type: string } | undefined;
  readonly gracePeriod: number;
  /** Registered under this `systemId`; undefined: its path. */
  readonly systemId: string | undefined;
}

const CHILD_SPEC = Symbol.for('xstate-supervisor.child-spec');

export function attachSpec<M extends object>(machine: M, spec: ChildSpec): M {
  Object.defineProperty(machine, CHILD_SPEC, { value: spec, enumerable: false });
  return machine;
}

export function specOf(machine: unknown): ChildSpec | undefined {
  if (machine === null || typeof machine !== 'object') return undefined;
  return (machine as { [CHILD_SPEC]?: ChildSpec })[CHILD_SPEC];
}

/** Plain, serializable options (functions and loggers left out), for inspection. */
export function describeOptions(options: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (typeof v === 'function' || k === 'logger' || k === 'children') continue;
    out[k] = v;
  }
  return out;
}

/**
 * What `supervise()` returns: a child for a supervisor's `children` or a `child.add`.
 *
 * @example
 * ```ts
 * const child: SupervisedActor = supervise(fromPromise(async () => 42), { id: 'answer' });
 * createSupervisor({ id: 'root', children: [child] });
 * ```
 */
export interface SupervisedActor<TLogic extends AnyActorLogic = AnyActorLogic> {
  /** The child id. */
  readonly id: string;
  /** The logic every generation's actor runs. */
  readonly logic: TLogic;
}

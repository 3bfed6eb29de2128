/**
 * What a supervisor needs to know about a child machine, attached to the machine object itself
 * (never a module-level registry).
 * Internal: not exported from the package (blocked by the `exports` map).
 */
import type { RestartType } from './exit-reason.ts';
import type { AnyStateMachine } from './xstate.ts';

export interface ChildSpec {
  readonly kind: 'service' | 'supervisor';
  readonly id: string;
  readonly restart: RestartType;
  readonly resetGlobally: boolean;
  readonly significant: boolean;
  /** Options shown by the inspector (functions left out). */
  readonly describe: Readonly<Record<string, unknown>>;
}

const CHILD_SPEC = Symbol.for('xstate-supervisor.child-spec');

export function attachSpec<M extends AnyStateMachine>(machine: M, spec: ChildSpec): M {
  Object.defineProperty(machine, CHILD_SPEC, { value: spec, enumerable: false });
  return machine;
}

export function specOf(machine: unknown): ChildSpec | undefined {
  if (machine === null || typeof machine !== 'object') return undefined;
  return (machine as { [CHILD_SPEC]?: ChildSpec })[CHILD_SPEC];
}

/** Plain, serialisable options (functions and loggers left out), for inspection. */
export function describeOptions(options: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (typeof v === 'function' || k === 'logger' || k === 'children') continue;
    out[k] = v;
  }
  return out;
}

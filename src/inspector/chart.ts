/**
 * A machine's definition, reduced to what a statechart drawing needs: nested states and
 * their transitions. Computed once per definition (every service shares one) and cached.
 */
import type { AnyStateMachine } from '../internal/xstate.ts';
import type { ChartState, ChartTransition, MachineChart } from './protocol.ts';

/** The parts of XState's StateNode read here. */
interface StateNodeLike {
  readonly id: string;
  readonly key: string;
  readonly type: ChartState['type'];
  readonly states: Record<string, StateNodeLike>;
  readonly initial?: { readonly target: readonly StateNodeLike[] } | undefined;
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[] | undefined;
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
  readonly invoke: ReadonlyArray<{ readonly id?: string; readonly src?: unknown }>;
}

interface TransitionLike {
  readonly target?: readonly StateNodeLike[] | undefined;
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
}

/** The name of an action, guard or actor source as a machine config gives it. */
export function nameOf(thing: unknown): string {
  if (typeof thing === 'string') return thing;
  if (typeof thing === 'function') return thing.name || 'anonymous';
  if (thing && typeof thing === 'object' && 'type' in thing) {
    return String((thing as { type: unknown }).type);
  }
  return String(thing);
}

function transitionOf(event: string, t: TransitionLike): ChartTransition {
  const out: ChartTransition = {
    event,
    targets: (t.target ?? []).map((s) => s.id),
    actions: t.actions.map(nameOf),
  };
  if (t.guard !== undefined) out.guard = nameOf(t.guard);
  return out;
}

function stateOf(node: StateNodeLike): ChartState {
  const transitions: ChartTransition[] = [];
  for (const [event, list] of node.transitions) {
    for (const t of list) transitions.push(transitionOf(event, t));
  }
  for (const t of node.always ?? []) transitions.push(transitionOf('', t));
  const state: ChartState = {
    id: node.id,
    key: node.key,
    type: node.type,
    entry: node.entry.map(nameOf),
    exit: node.exit.map(nameOf),
    // XState names an invoke without an id `<index>.<state id>`: its source says more.
    invoke: node.invoke.map((i) => (i.id && !/^\d+\./.test(i.id) ? i.id : nameOf(i.src))),
    transitions,
    states: Object.values(node.states).map(stateOf),
  };
  const initial = node.initial?.target[0];
  if (initial) state.initial = initial.key;
  return state;
}

const charts = new WeakMap<object, MachineChart>();
let nextKey = 0;

/**
 * The drawing of `machine`, the same object for every machine that shares its state nodes
 * (our services share one definition; `provide()` makes a new one).
 */
export function chartOf(machine: AnyStateMachine): MachineChart {
  const root = machine.root as unknown as StateNodeLike;
  let chart = charts.get(root);
  if (!chart) {
    chart = { key: `m${nextKey++}`, id: root.id, root: stateOf(root) };
    charts.set(root, chart);
  }
  return chart;
}

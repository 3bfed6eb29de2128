/**
 * What the inspector shows of the user's own machines besides their state: the events they
 * accept in their current state (the page's event box offers them) and their context, as
 * bounded JSON. Both are read from the live snapshot; nothing here runs the user's code (guards
 * are not evaluated, decision 0057).
 */
import { nextTransitionsOf } from '../internal/xstate.ts';
import { nameOf } from './chart.ts';
import type { AcceptedEvent } from './protocol.ts';
import { jsonSafe } from './serialize.ts';

/** How deep a context is copied for the page; deeper parts read `[…]`. */
export const CONTEXT_DEPTH = 5;
/** A context whose JSON is longer than this is sent cut, as text ending in `…`. */
export const CONTEXT_CHARS = 8_000;

/**
 * The events a machine in `snapshot` can take now: those with a transition from one of its
 * active states or their ancestors, in the machine's order, each once. Left out: eventless and
 * delayed transitions, XState's own `xstate.*` events (the control API refuses them) and
 * wildcards (`*`, `db.*`: no event has that type; the free JSON field sends any). Empty unless
 * the snapshot is active.
 *
 * @example
 * ```ts
 * acceptedEvents(actor.getSnapshot()); // [{ type: 'db.close' }, { type: 'db.query', guards: ['isOpen'] }]
 * ```
 */
export function acceptedEvents(snapshot: unknown): AcceptedEvent[] {
  if ((snapshot as { status?: unknown } | undefined)?.status !== 'active') return [];
  const byType = new Map<string, { unguarded: boolean; guards: string[] }>();
  for (const t of nextTransitionsOf(snapshot)) {
    const type = t.eventType;
    if (type === '' || type.startsWith('xstate.') || type === '*' || type.endsWith('.*')) continue;
    let entry = byType.get(type);
    if (!entry) {
      entry = { unguarded: false, guards: [] };
      byType.set(type, entry);
    }
    if (t.guard === undefined) entry.unguarded = true;
    else {
      const name = nameOf(t.guard);
      if (!entry.guards.includes(name)) entry.guards.push(name);
    }
  }
  const out: AcceptedEvent[] = [];
  for (const [type, { unguarded, guards }] of byType) {
    // A transition without a guard takes the event whatever the guards of the others say.
    out.push(unguarded || guards.length === 0 ? { type } : { type, guards });
  }
  return out;
}

/**
 * A machine's context for the page: a JSON-safe copy down to {@link CONTEXT_DEPTH} levels;
 * when its JSON is over {@link CONTEXT_CHARS} characters, its first characters as text ending
 * in `…`. Undefined when the snapshot has no context.
 *
 * @example
 * ```ts
 * boundedContext(actor.getSnapshot()); // { retries: 2, url: 'postgres://db' }
 * ```
 */
export function boundedContext(snapshot: unknown): unknown {
  const context = (snapshot as { context?: unknown } | undefined)?.context;
  if (context === undefined) return undefined;
  const safe = jsonSafe(context, CONTEXT_DEPTH);
  const text = JSON.stringify(safe);
  if (text === undefined || text.length <= CONTEXT_CHARS) return safe;
  return `${text.slice(0, CONTEXT_CHARS)}…`;
}

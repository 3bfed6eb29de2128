/**
 * Forwarding XState's inspection events in `@statelyai/inspect`'s format, so Stately's
 * inspector can show the same system. Errors are serialized with name, message and stack
 * (Stately's own serializer turns them into `{}`).
 */
import {
  type AnyActorRef,
  inspectSystem,
  machineOf,
  parentOf,
  type SystemInspectionEvent,
} from '../internal/xstate.ts';
import { displayId } from './model.ts';
import { jsonSafe } from './serialize.ts';

/**
 * The `@statelyai/inspect` version whose event format this speaks (its `_version` field).
 *
 * @example
 * ```ts
 * const ours = (e: { _version?: string }) => e._version === STATELY_FORMAT_VERSION;
 * ```
 */
export const STATELY_FORMAT_VERSION = '0.7.2';

/** Fields every Stately inspection event has. */
interface StatelyBase {
  sessionId: string;
  rootId: string | undefined;
  createdAt: string;
  /** Always null from us; typed as Stately's (a string) also allows, so its inspectors fit. */
  id: string | null;
  _version: string;
}

/**
 * One event in `@statelyai/inspect`'s format (`@xstate.actor`, `@xstate.event`,
 * `@xstate.snapshot`), JSON-safe.
 *
 * @example
 * ```ts
 * const target: StatelyTarget = { send: (e: StatelyInspectionEvent) => socket.send(JSON.stringify(e)) };
 * ```
 */
export type StatelyInspectionEvent =
  | (StatelyBase & {
      type: '@xstate.actor';
      name: string;
      parentId: string | undefined;
      definition: string | undefined;
      snapshot: unknown;
    })
  | (StatelyBase & { type: '@xstate.event'; event: unknown; sourceId: string | undefined })
  | (StatelyBase & { type: '@xstate.snapshot'; event: unknown; snapshot: unknown });

/**
 * Where Stately events go: anything with `send(event)`, such as the `adapter` of an inspector
 * from `@statelyai/inspect` (`createSkyInspector()`, `createWebSocketInspector({ url })`),
 * or that inspector itself.
 *
 * Gotcha: the events go straight to its adapter's `send`, so that inspector's own `filter`,
 * `sanitizeContext` and `sanitizeEvent` options are not applied.
 *
 * @example
 * ```ts
 * import { createWebSocketInspector } from '@statelyai/inspect';
 * await createInspectorServer(actor, { stately: createWebSocketInspector({ url: 'ws://127.0.0.1:8080' }) });
 * ```
 */
export type StatelyTarget =
  | { send(event: StatelyInspectionEvent): void }
  | { adapter: { send(event: StatelyInspectionEvent): void } };

const DEPTH = 10;

function rootIdOf(actor: AnyActorRef): string {
  let top = actor;
  for (let p = parentOf(top); p; p = parentOf(top)) top = p;
  return top.sessionId;
}

function base(actor: AnyActorRef, rootId: string | undefined): StatelyBase {
  return {
    sessionId: actor.sessionId,
    rootId,
    createdAt: Date.now().toString(),
    id: null,
    _version: STATELY_FORMAT_VERSION,
  };
}

function actorEvent(actor: AnyActorRef, rootId: string | undefined): StatelyInspectionEvent {
  const machine = machineOf(actor);
  const config = (machine as { config?: unknown } | undefined)?.config;
  return {
    ...base(actor, rootId),
    type: '@xstate.actor',
    name: displayId(actor),
    parentId: parentOf(actor)?.sessionId,
    definition: config ? JSON.stringify(jsonSafe(config, DEPTH)) : JSON.stringify({ id: actor.id }),
    snapshot: jsonSafe(snapshotOf(actor), DEPTH),
  };
}

/** XState announces an actor before its first snapshot exists; Stately then gets `active`. */
function snapshotOf(actor: AnyActorRef): unknown {
  try {
    return actor.getSnapshot();
  } catch {
    return { status: 'active' };
  }
}

/**
 * One XState inspection event in Stately's format, errors serialized; undefined for the
 * kinds Stately does not show (`@xstate.microstep`, `@xstate.action`).
 *
 * @example
 * ```ts
 * createActor(machine, { inspect: (e) => { const s = toStatelyEvent(e); if (s) target.send(s); } });
 * ```
 */
export function toStatelyEvent(e: SystemInspectionEvent): StatelyInspectionEvent | undefined {
  switch (e.type) {
    case '@xstate.actor':
      return actorEvent(e.actorRef, e.rootId);
    case '@xstate.event':
      return {
        ...base(e.actorRef, e.rootId),
        type: '@xstate.event',
        event: jsonSafe(e.event, DEPTH),
        sourceId: e.sourceRef?.sessionId,
      };
    case '@xstate.snapshot':
      return {
        ...base(e.actorRef, e.rootId),
        type: '@xstate.snapshot',
        event: jsonSafe(e.event, DEPTH),
        snapshot: jsonSafe(e.snapshot, DEPTH),
      };
    default:
      return undefined;
  }
}

/**
 * Sends every actor that exists now (parents first), then every inspection event of the
 * system as it happens. Returns the stop function.
 */
export function forwardToStately(
  existing: Iterable<AnyActorRef>,
  root: AnyActorRef,
  target: StatelyTarget,
  onError: (error: unknown) => void,
): () => void {
  const sink = 'adapter' in target ? target.adapter : target;
  // Building an event reads the user's snapshots and events: nothing of it may throw into
  // the user's `actor.send()`.
  const send = (build: () => StatelyInspectionEvent | undefined): void => {
    try {
      const event = build();
      if (event) sink.send(event);
    } catch (error) {
      onError(error);
    }
  };
  const rootId = rootIdOf(root);
  for (const actor of existing) send(() => actorEvent(actor, rootId));
  return inspectSystem(root, (e) => send(() => toStatelyEvent(e)));
}

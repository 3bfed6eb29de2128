/**
 * The context shared by the services of one tree (aiomisc's entrypoint `context`): a service
 * awaits a value (`await ctx.context.get(db)`) that another service sets, in any start order.
 * One store per actor system, so two trees in one process never see each other's values.
 */
import { describeValue } from '../core/errors.ts';
import {
  type ContextGetOptions,
  type ContextKey,
  checkName,
  type SharedContext,
  SharedContextError,
} from '../core/shared-context-api.ts';
import { type AnyActorRef, parentOf } from '../internal/xstate.ts';
import { lifecycleOf, sourceOf } from './own-runtime.ts';

export {
  type ContextGetOptions,
  type ContextKey,
  createContextKey,
  type SharedContext,
  SharedContextError,
} from '../core/shared-context-api.ts';

type Key = ContextKey<unknown> | string;

/** A `get` waiting for a key's value: settled when the value is set, or failed. */
interface ValueWaiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  /** Set at least once: a cleared slot waits for the next value instead of failing. */
  known: boolean;
  has: boolean;
  value: unknown;
  /** The generation signal of the service that set it; undefined when set from outside. */
  owner: AbortSignal | undefined;
  /** The id of the service that last set it, kept when its stop clears the value. */
  setter: string | undefined;
  waiters: Set<ValueWaiter>;
}

function nameOf(key: unknown): string {
  if (typeof key === 'object' && key !== null && 'name' in key) {
    return checkName((key as { name: unknown }).name);
  }
  return checkName(key);
}

/** The store of one tree: its slots and whether its root runs. */
class TreeContext {
  private readonly slots = new Map<string, Slot>();
  /** The root is `running`: a key never set now fails instead of waiting. */
  private running = false;
  /** Keys each setter generation owns, cleared when its signal aborts. */
  private readonly owned = new WeakMap<AbortSignal, Set<string>>();

  constructor(root: AnyActorRef) {
    const observe = (value: unknown) => {
      const running = lifecycleOf(value) === 'running';
      if (running && !this.running) {
        this.running = true;
        this.failNeverSet();
      } else if (!running) this.running = false;
    };
    observe((root.getSnapshot() as { value?: unknown } | undefined)?.value);
    root.subscribe({
      next: (snapshot) => observe((snapshot as { value: unknown }).value),
      error: () => {},
    });
  }

  private slot(name: string): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = {
        known: false,
        has: false,
        value: undefined,
        owner: undefined,
        setter: undefined,
        waiters: new Set(),
      };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private neverSet(name: string): SharedContextError {
    const set = this.keys();
    return new SharedContextError(
      'CONTEXT_KEY_NEVER_SET',
      `No service set the shared context key "${name}" before the tree was running; set it in a service's onStart (keys set: ${set.length === 0 ? 'none' : set.map((k) => `"${k}"`).join(', ')}).`,
      name,
    );
  }

  private notSetAtStart(name: string, service: string, slot: Slot | undefined): SharedContextError {
    if (slot?.known) {
      // Set before, then cleared: its setter's generation ended (a stop, a restart, a backoff).
      const setter = slot.setter === undefined ? 'the service that set it' : `"${slot.setter}"`;
      return new SharedContextError(
        'CONTEXT_KEY_NOT_SET_AT_START',
        `Service "${service}" awaits the shared context key "${name}" in its onStart; service ${setter} set it, but its stop cleared it and it has not set it again (it is restarting, waiting out a backoff, or stopped). A start does not wait for it: await it in iterate, which waits until it is set again.`,
        name,
      );
    }
    return new SharedContextError(
      'CONTEXT_KEY_NOT_SET_AT_START',
      `Service "${service}" awaits the shared context key "${name}" in its onStart, but no service started before it has set it. Children start one after another, so a service started after "${service}" cannot set it until this start ends: await it in iterate, or declare the service that sets it earlier in children.`,
      name,
    );
  }

  private failNeverSet(): void {
    for (const [name, slot] of this.slots) {
      if (slot.known || slot.waiters.size === 0) continue;
      const error = this.neverSet(name);
      for (const w of slot.waiters) w.reject(error);
      slot.waiters.clear();
    }
  }

  /** `starting`: the id of the service asking from its own start (`onStart`), if it is. */
  get(key: unknown, signal: AbortSignal | undefined, starting?: string): Promise<unknown> {
    let name: string;
    try {
      name = nameOf(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const slot = this.slots.get(name);
    if (slot?.has) return Promise.resolve(slot.value);
    if (this.running && !slot?.known) return Promise.reject(this.neverSet(name));
    if (starting !== undefined) return Promise.reject(this.notSetAtStart(name, starting, slot));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const waiting = slot ?? this.slot(name);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        waiting.waiters.delete(waiter);
        reject(signal?.reason);
      };
      const waiter: ValueWaiter = {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      waiting.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** `setter`: the id of the service setting it, if a service does. */
  set(key: unknown, value: unknown, owner: AbortSignal | undefined, setter?: string): void {
    const name = nameOf(key);
    if (value === undefined) {
      throw new SharedContextError(
        'CONTEXT_VALUE_UNDEFINED',
        `ctx.context.set("${name}", undefined): a shared value cannot be undefined; set the value itself (null if there is none).`,
        name,
      );
    }
    if (owner?.aborted) {
      throw new SharedContextError(
        'CONTEXT_SETTER_STOPPING',
        `ctx.context.set("${name}") called by a service generation that is stopping; its values are cleared when it stops, so set them while it runs (onStart, iterate).`,
        name,
      );
    }
    const slot = this.slot(name);
    slot.known = true;
    slot.has = true;
    slot.value = value;
    slot.owner = owner;
    slot.setter = setter;
    if (owner) this.own(owner, name);
    const waiters = [...slot.waiters];
    slot.waiters.clear();
    for (const w of waiters) w.resolve(value);
  }

  /** Clears the keys `owner` set (and still holds) when its generation ends. */
  private own(owner: AbortSignal, name: string): void {
    let names = this.owned.get(owner);
    if (!names) {
      const mine = new Set<string>();
      names = mine;
      this.owned.set(owner, mine);
      owner.addEventListener(
        'abort',
        () => {
          for (const n of mine) {
            const slot = this.slots.get(n);
            if (slot?.owner === owner) {
              slot.has = false;
              slot.value = undefined;
              slot.owner = undefined;
            }
          }
        },
        { once: true },
      );
    }
    names.add(name);
  }

  has(key: unknown): boolean {
    return this.slots.get(nameOf(key))?.has ?? false;
  }

  keys(): string[] {
    return [...this.slots].filter(([, s]) => s.has).map(([name]) => name);
  }
}

const contexts = new WeakMap<object, TreeContext>();
const attached = new WeakMap<object, AnyActorRef>();

/** The topmost actor of ours above `actor` (the root supervisor, or a lone service). */
function rootOf(actor: AnyActorRef): AnyActorRef {
  let root = actor;
  for (let p = parentOf(root); p !== undefined && sourceOf(p); p = parentOf(p)) root = p;
  return root;
}

function treeContextOf(actor: AnyActorRef): TreeContext {
  const system = actor.system as object;
  let context = contexts.get(system);
  if (!context) {
    context = new TreeContext(rootOf(actor));
    contexts.set(system, context);
  }
  return context;
}

/** A view of `tree` whose waits default to `signal()` and whose values `owner()` clears. */
function view(
  tree: TreeContext,
  signal: () => AbortSignal | undefined,
  owner: () => AbortSignal | undefined,
  starting: () => string | undefined = () => undefined,
  setter?: string,
): SharedContext {
  return {
    get: (key: Key, options?: ContextGetOptions) =>
      tree.get(key, options?.signal ?? signal(), starting()) as Promise<never>,
    set: (key: Key, value: unknown) => tree.set(key, value, owner(), setter),
    has: (key: Key) => tree.has(key),
    keys: () => tree.keys(),
  };
}

/**
 * Remembers the service actor a runtime belongs to, so its `ctx.context` finds its tree.
 * @internal
 */
export function attachSharedContext(runtime: object, actor: AnyActorRef): void {
  attached.set(runtime, actor);
}

/**
 * `ctx.context` of a generation: waits default to `signal()`, values are cleared when
 * `generationSignal()` aborts, and a get while `inStart()` (its loop has not begun) never waits.
 * @internal
 */
export function serviceContextView(
  runtime: object,
  id: string,
  signal: () => AbortSignal,
  generationSignal: () => AbortSignal,
  inStart: () => boolean,
): SharedContext {
  const actor = attached.get(runtime);
  if (!actor) {
    throw new SharedContextError(
      'NOT_A_SUPERVISED_ACTOR',
      'ctx.context is only available to services running in a tree.',
    );
  }
  const starting = () => (inStart() ? id : undefined);
  return view(treeContextOf(actor), signal, generationSignal, starting, id);
}

/**
 * The shared context of the tree `actor` belongs to (any actor of it: the root, usually), for
 * code outside the services: main code that sets configuration before the tree starts, a
 * test that reads what a service set. Values set here are never cleared by a stop; `get`
 * waits without a bound unless given a `signal`.
 *
 * @example
 * ```ts
 * const handle = run(root);
 * sharedContextOf(handle.actor).set(SETTINGS, { region: 'eu' });
 * const pool = await sharedContextOf(handle.actor).get(DB, { signal: AbortSignal.timeout(5_000) });
 * ```
 */
export function sharedContextOf(actor: AnyActorRef): SharedContext {
  if (
    typeof actor !== 'object' ||
    actor === null ||
    typeof (actor as { getSnapshot?: unknown }).getSnapshot !== 'function' ||
    !sourceOf(actor)
  ) {
    throw new SharedContextError(
      'NOT_A_SUPERVISED_ACTOR',
      `sharedContextOf() expects an actor of a service or supervisor, got ${describeValue(actor)}.`,
    );
  }
  return view(
    treeContextOf(actor),
    () => undefined,
    () => undefined,
  );
}

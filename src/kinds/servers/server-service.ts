/**
 * The runtime every server kind shares: listen in `onStart` (so `running` means listening),
 * wait in `iterate` until the stop (or until the listener dies on its own), close within the
 * grace period in `onStop`. A kind only says how to open its listener (an `Endpoint`).
 * Internal.
 */
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import {
  resolveServiceOptions,
  type ServiceContext,
  type ServiceOptions,
} from '../../core/service-options.ts';
import { type ServiceMachine, serviceFromResolved } from '../../machines/service.ts';
import { drainBudget, type Endpoint, now } from './endpoint.ts';
import type { HandlerErrorPolicy, ServerBase } from './server-options.ts';

/**
 * Per-actor state of a server service, kept across its generations: the listener of the
 * running generation and the context its handlers receive.
 * @internal
 */
export class ServerSlot {
  /** The context of the running generation (updated by a hard reset), for the handlers. */
  ctx: ServiceContext | undefined;
  /** The open listener, while there is one. */
  endpoint: Endpoint | undefined;
  /** The latest listener, open or closed, for `getTree()`. */
  shown: Endpoint | undefined;
  /** When the running generation was asked to stop (its signal aborted). */
  stopAt: number | undefined;
  /**
   * The port every listen asks for: the configured one, or, when that is 0, the port the
   * system chose at the first successful listen, kept for every later one (decision 0043).
   */
  port: number;
  private readonly initial: Record<string, unknown>;
  constructor(initial: Record<string, unknown>, port: number) {
    this.initial = initial;
    this.port = port;
  }
  details(): Record<string, unknown> {
    return this.shown ? this.shown.details() : { ...this.initial };
  }
  get logger(): Logger | undefined {
    return this.ctx?.logger;
  }
}

/** How a kind opens its listener. @internal */
export interface ServerKind {
  /** `'HTTP'`, `'TCP'`, `'TLS'` or `'UDP'`, for messages. */
  readonly label: string;
  /** `getTree()` details before the first listen. */
  readonly initialDetails: Record<string, unknown>;
  /**
   * Creates the listener and listens on `port` (`slot.port`); rejects with a
   * `ServerListenError`.
   */
  open(slot: ServerSlot, port: number): Promise<Endpoint>;
}

/** The kind's state behind a context (`IterationContext.local`, internal to the core). */
function slotOf(ctx: ServiceContext): ServerSlot {
  return (ctx as ServiceContext & { readonly local: ServerSlot }).local;
}

/**
 * A handler (`serve`, `handle`, `onMessage`) threw or rejected: log it, and count it as a
 * failure of the service if the policy says so.
 * @internal
 */
export function handlerFailed(
  slot: ServerSlot,
  policy: HandlerErrorPolicy,
  thrown: unknown,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  const ctx = slot.ctx;
  if (!ctx) return;
  const err = toError(thrown);
  if (policy === 'count') {
    // ctx.fail logs the error with its stack; this line says where it came from.
    ctx.logger.warn({ ...fields, error: err.message }, message);
    ctx.fail(err);
  } else {
    ctx.logger.error({ ...fields, err }, message);
  }
}

/** Opens the listener on the slot's port, and keeps the port the system chose for port 0. */
async function openOn(kind: ServerKind, slot: ServerSlot): Promise<Endpoint> {
  const ep = await kind.open(slot, slot.port);
  slot.port = ep.port;
  slot.endpoint = ep;
  slot.shown = ep;
  return ep;
}

/** Waits until the generation is asked to stop (undefined) or the listener dies (its error). */
function watch(ctx: ServiceContext, slot: ServerSlot, ep: Endpoint): Promise<Error | undefined> {
  const { signal } = ctx;
  return new Promise((resolve) => {
    let off = () => {};
    const onAbort = () => {
      slot.stopAt ??= now();
      off();
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    off = ep.onEnd((error) => {
      signal.removeEventListener('abort', onAbort);
      resolve(error);
    });
  });
}

/** Builds the service machine of a server kind. @internal */
export function serverService(kind: ServerKind, base: ServerBase, shown: object): ServiceMachine {
  // The user's hooks, composed by the core (a function, an array or a HookCollection).
  let userStart: ((ctx: ServiceContext) => unknown) | undefined;
  let userStop: ((ctx: ServiceContext) => unknown) | undefined;
  let grace = 0;

  async function callUserStop(ctx: ServiceContext): Promise<void> {
    try {
      await userStop?.(ctx);
    } catch (e) {
      ctx.logger.error({ err: toError(e) }, 'onStop threw');
    }
  }

  async function onStart(ctx: ServiceContext): Promise<unknown> {
    const slot = slotOf(ctx);
    slot.ctx = ctx;
    slot.stopAt = undefined;
    if (userStart && (await userStart(ctx)) === false) return false;
    let ep: Endpoint;
    try {
      ep = await openOn(kind, slot);
    } catch (error) {
      // The user's onStart succeeded: their onStop still pairs with it.
      if (userStart) await callUserStop(ctx);
      throw error;
    }
    ctx.logger.info(ep.details(), `${kind.label} service listening`);
    return undefined;
  }

  async function iterate(ctx: ServiceContext): Promise<void> {
    const slot = slotOf(ctx);
    slot.ctx = ctx;
    slot.stopAt = undefined;
    if (ctx.signal.aborted) return;
    let ep = slot.endpoint;
    if (!ep) {
      // The listener died on its own in an earlier iteration: listen again, on the same port.
      ep = await openOn(kind, slot);
      ctx.logger.info(ep.details(), `${kind.label} service listening again`);
      if (ctx.signal.aborted) return;
    }
    const error = await watch(ctx, slot, ep);
    if (!error) return;
    slot.endpoint = undefined;
    // Nothing to drain for a dead listener: destroy what is left at once, bounded.
    const at = now();
    await ep.close(at, at + Math.min(1_000, drainBudget(grace)));
    throw error;
  }

  async function onStop(ctx: ServiceContext): Promise<void> {
    const slot = slotOf(ctx);
    const ep = slot.endpoint;
    slot.endpoint = undefined;
    try {
      if (ep) {
        // Measured from the abort (the start of the stop), as the core's gracePeriod is.
        const start = slot.stopAt ?? now();
        const drain = drainBudget(grace);
        await ep.close(start + drain, start + drain + (grace - drain) / 2);
      }
    } finally {
      if (userStop) await userStop(ctx);
    }
  }

  const resolved = resolveServiceOptions({
    ...base.service,
    iterate,
    pause: base.relistenDelay,
  } as ServiceOptions);
  grace = resolved.gracePeriod;
  userStart = resolved.onStart;
  userStop = resolved.onStop;
  return serviceFromResolved(
    {
      ...resolved,
      onStart,
      onStop,
      local: {
        create: () => new ServerSlot(kind.initialDetails, base.port),
        describe: (state) => (state as ServerSlot).details(),
      },
    },
    shown,
  );
}

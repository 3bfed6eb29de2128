/**
 * The runtime every server kind shares: listen in `onStart` (so `running` means listening),
 * wait in `iterate` until the stop (or until the listener dies on its own), close within the
 * grace period in `onStop`. A kind only says how to open its listener (an `Endpoint`).
 * Internal.
 */
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ServiceContext } from '../../core/service-options.ts';
import type { Fail } from '../../core/validate.ts';
import type { ServiceMachine } from '../../machines/service.ts';
import { defineKind, type KindParts } from '../define-kind.ts';
import { drainBudget, type Endpoint, now } from './endpoint.ts';
import {
  type HandlerErrorPolicy,
  resolveServerBase,
  SERVER_OPTIONS,
  type ServerBase,
  type ServerBaseOptions,
} from './server-options.ts';

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

/**
 * What a server kind says of itself to {@link defineServerKind}. @internal
 *
 * @example
 * ```ts
 * const spec: ServerKindSpec<TcpServiceOptions> = {
 *   own: ['handle'],
 *   kind: (options, base, fail) => ({ label: 'TCP', initialDetails, open, shown: options }),
 * };
 * ```
 */
export interface ServerKindSpec<Options extends ServerBaseOptions> {
  /** The kind's own option names, after the ones every server has. */
  readonly own: readonly string[];
  /** The host listened on when `host` is left out. @default '127.0.0.1' */
  readonly defaultHost?: (options: Options) => string;
  /** Checks the kind's own options; says how to open its listener and what to show. */
  kind(options: Options, base: ServerBase, fail: Fail): ServerKind & { readonly shown: object };
}

/**
 * Builds a server kind with `defineKind`: the listener is its resource, opened after the
 * user's `onStart` (so `running` means listening) and closed before the user's `onStop`.
 * @internal
 *
 * @example
 * ```ts
 * return defineServerKind(options, { own: OWN, kind: (o, base, fail) => tcpKind(o, base, fail) });
 * ```
 */
export function defineServerKind<Options extends ServerBaseOptions>(
  options: Options,
  spec: ServerKindSpec<Options>,
): ServiceMachine {
  return defineKind(options, {
    own: [...SERVER_OPTIONS, ...spec.own],
    settings: (o, fail) => {
      const base = resolveServerBase(o, fail, spec.defaultHost?.(o));
      return { base, kind: spec.kind(o, base, fail) };
    },
    // A listener that died is listened on again after relistenDelay.
    defaults: ({ base }) => ({ pause: base.relistenDelay }),
    build: ({ settings: { base, kind }, service }) => serverParts(kind, base, service.gracePeriod),
  });
}

/** A server kind's runtime: listen, watch the listener, close it within the grace period. */
function serverParts(
  kind: ServerKind & { readonly shown: object },
  base: ServerBase,
  grace: number,
): KindParts {
  async function open(ctx: ServiceContext): Promise<void> {
    const slot = slotOf(ctx);
    slot.ctx = ctx;
    slot.stopAt = undefined;
    const ep = await openOn(kind, slot);
    ctx.logger.info(ep.details(), `${kind.label} service listening`);
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

  async function close(ctx: ServiceContext): Promise<void> {
    const slot = slotOf(ctx);
    const ep = slot.endpoint;
    slot.endpoint = undefined;
    if (!ep) return;
    // Measured from the abort (the start of the stop), as the core's gracePeriod is.
    const start = slot.stopAt ?? now();
    const drain = drainBudget(grace);
    await ep.close(start + drain, start + drain + (grace - drain) / 2);
  }

  return {
    iterate,
    open,
    close,
    local: {
      create: () => new ServerSlot(kind.initialDetails, base.port),
      describe: (state) => (state as ServerSlot).details(),
    },
    shown: kind.shown,
  };
}

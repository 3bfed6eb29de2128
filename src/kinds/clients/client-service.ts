/**
 * `createTcpClientService`: one supervised connection to a TCP or TLS server (aiomisc
 * `RobustTCPClient` / `RobustTLSClient`), reconnecting with its own bounded backoff, each lost
 * connection or failed attempt a counted failure of the service (decision 0087).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { backoffDelay } from '../../core/backoff.ts';
import { toError } from '../../core/errors.ts';
import type { ServiceContext } from '../../core/service-options.ts';
import type { ServiceMachine } from '../../machines/service.ts';
import { defineKind, type KindParts } from '../define-kind.ts';
import { type ActorStateBase, ActorStates, localOf } from '../scheduled-state.ts';
import { drainBudget, now, settlesBy } from '../servers/endpoint.ts';
import { ClientConnection } from './client-connection.ts';
import { ClientConnectError, ClientStateError } from './client-errors.ts';
import {
  CLIENT_OPTIONS,
  type ClientSettings,
  resolveClientOptions,
  type TcpClientServiceOptions,
} from './client-options.ts';
import { CurrentConnection } from './current-connection.ts';

/**
 * What a client service machine adds to a service machine: the connection of its running
 * actor, for code outside the service (an HTTP handler, another service).
 *
 * Gotcha: it belongs to the definition, as a queue worker's queue does: run one actor of a
 * client machine at a time (as a supervisor does), or each connection replaces the other here.
 *
 * @example
 * ```ts
 * const upstream: TcpClientMachine = createTcpClientService({ id: 'upstream', port: 7000 });
 * await upstream.write('PING\n'); // rejects with CLIENT_NOT_CONNECTED while reconnecting
 * ```
 */
export interface TcpClientApi {
  /** The connection while it is up (after `onConnect`), else undefined. */
  readonly connection: ClientConnection | undefined;
  /**
   * Writes to the current connection. Rejects at once with a `ClientStateError`
   * (`CLIENT_NOT_CONNECTED`) while there is none: nothing is queued across reconnects.
   */
  write(data: string | Uint8Array): Promise<void>;
  /**
   * The connection, now or as soon as there is one. Bounded by `signal` (it rejects with its
   * reason): `connected({ signal: AbortSignal.timeout(5_000) })`.
   */
  connected(options?: { signal?: AbortSignal }): Promise<ClientConnection>;
}

/**
 * A client service: a service machine (run it with `createActor` or under a supervisor) with
 * {@link TcpClientApi}.
 *
 * @example
 * ```ts
 * const client: TcpClientMachine = createTcpClientService({ id: 'c', port: 7000 });
 * ```
 */
export type TcpClientMachine = ServiceMachine & TcpClientApi;

/** Per-actor state of a client service. */
interface ClientState extends ActorStateBase {
  conn: ClientConnection | undefined;
  /** The handler of the current connection, while it runs. */
  handling: Promise<void> | undefined;
  handlerError: Error | undefined;
  /** Reconnect attempts since the last connection that stayed up for `reconnect.max`. */
  attempt: number;
  /** `Date.now()` when the current (or latest) connection came up. */
  upAt: number | undefined;
  /** The latest iteration ended on a failure: the next waits out the backoff. */
  failed: boolean;
  connections: number;
}

const fresh = (): ClientState => ({
  active: false,
  nextWall: undefined,
  conn: undefined,
  handling: undefined,
  handlerError: undefined,
  attempt: 0,
  upAt: undefined,
  failed: false,
  connections: 0,
});

/** Opens the socket (and the TLS session); rejects with a `ClientConnectError`. */
function connectSocket(s: ClientSettings, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const where =
      s.path !== undefined ? { path: s.path } : { host: s.host, port: s.port as number };
    const socket: Socket = s.tls ? tlsConnect({ ...s.tls, ...where }) : netConnect(where);
    const ready = s.tls ? 'secureConnect' : 'connect';
    const done = (error?: unknown) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off(ready, onReady);
      socket.off('error', done);
      if (error === undefined) return resolve(socket);
      socket.destroy();
      reject(
        signal.aborted ? signal.reason : new ClientConnectError(s.id, s.label, s.target, error),
      );
    };
    const onReady = () => done();
    const onAbort = () => done(signal.reason);
    const timer = setTimeout(() => {
      const error = new Error(`no connection within connectTimeout (${s.connectTimeout} ms)`);
      done(Object.assign(error, { code: 'ETIMEDOUT' }));
    }, s.connectTimeout);
    socket.once(ready, onReady);
    socket.once('error', done);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * Creates a client service: it connects in `starting` (so `running` means connected once; a
 * failed first attempt fails the start with a `ClientConnectError`), hands each connection to
 * `onConnect` then `handle`, and gives it out as `machine.connection`. A lost connection, a
 * failed attempt or a `handle` that throws counts as one failure of the service (logged,
 * `lastError`), and the client connects again after its `reconnect` backoff; failure number
 * `maxFailures + 1` fails the service, and its supervisor's strategy, backoff and intensity
 * take over. With `failureWindow`, only recent failures count, so a long-lived client is not
 * failed by drops hours apart.
 *
 * The stop ends the connection (FIN after what is queued), waits for `handle` and for the
 * close up to the grace period minus a margin, then destroys what is left and runs your
 * `onStop`. `getTree()` shows `details: { target, tls, connected, connections, attempt,
 * received, sent, unread }`.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createTcpClientService } from 'xstate-supervisor';
 *
 * const upstream = createTcpClientService({
 *   id: 'upstream',
 *   port: 7000,
 *   tls: { ca: caPem }, // TLS; leave out for plain TCP
 *   async onConnect(conn) {
 *     await conn.write('HELLO\n');
 *   },
 *   async handle(conn, ctx) {
 *     for await (const line of conn.lines()) ctx.logger.info({ line }, 'pushed');
 *   },
 * });
 * createActor(upstream).start();
 * const conn = await upstream.connected({ signal: AbortSignal.timeout(5_000) });
 * await conn.write('PING\n');
 * ```
 */
export function createTcpClientService(options: TcpClientServiceOptions): TcpClientMachine {
  return defineKind(options, {
    own: CLIENT_OPTIONS,
    settings: resolveClientOptions,
    build: ({ settings, service }) => clientParts(settings, service.gracePeriod, options),
  }) as TcpClientMachine;
}

/** The client's runtime: connect, watch the connection, reconnect with the backoff. */
function clientParts(
  s: ClientSettings,
  grace: number,
  options: TcpClientServiceOptions,
): KindParts<TcpClientApi> {
  const current = new CurrentConnection(s.id);
  const states = new ActorStates<ClientState>('client', fresh);
  const limits = {
    service: s.id,
    maxReadBuffer: s.maxReadBuffer,
    maxWriteBuffer: s.maxWriteBuffer,
  };

  async function open(ctx: ServiceContext, st: ClientState): Promise<void> {
    const socket = await connectSocket(s, ctx.signal);
    socket.on('error', (err: Error) =>
      ctx.logger.debug({ err }, `${s.label} client connection error`),
    );
    const conn = new ClientConnection(socket, limits);
    if (s.onConnect) {
      try {
        await within(Promise.resolve(s.onConnect(conn, ctx)), s.connectTimeout, 'onConnect');
      } catch (error) {
        socket.destroy();
        throw error;
      }
    }
    st.conn = conn;
    st.upAt = Date.now();
    st.connections++;
    st.handlerError = undefined;
    current.set(conn);
    ctx.logger.info({ target: s.target, tls: s.label === 'TLS' }, `${s.label} client connected`);
    const handle = s.handle;
    if (handle) {
      const handling = Promise.resolve()
        .then(() => handle(conn, ctx))
        .then(
          () => undefined,
          (e: unknown) => {
            if (conn.signal.aborted && ctx.signal.aborted) return;
            st.handlerError = toError(e);
            socket.destroy();
          },
        );
      st.handling = handling.finally(() => {
        if (st.handling === handling) st.handling = undefined;
      });
    }
  }

  /** Resolves undefined on the stop, or the error a lost connection counts as. */
  function watch(
    ctx: ServiceContext,
    conn: ClientConnection,
    st: ClientState,
  ): Promise<Error | undefined> {
    return new Promise((resolve) => {
      const onStop = () => {
        conn.signal.removeEventListener('abort', onLost);
        resolve(undefined);
      };
      const onLost = () => {
        ctx.signal.removeEventListener('abort', onStop);
        const cause = st.handlerError;
        resolve(
          cause ??
            new ClientStateError(
              'CLIENT_CONNECTION_LOST',
              s.id,
              `${s.label} client "${s.id}": the connection to ${s.target} was lost; reconnecting after the backoff.`,
            ),
        );
      };
      if (ctx.signal.aborted) return resolve(undefined);
      if (conn.signal.aborted) return onLost();
      ctx.signal.addEventListener('abort', onStop, { once: true });
      conn.signal.addEventListener('abort', onLost, { once: true });
    });
  }

  async function iterate(ctx: ServiceContext): Promise<void> {
    const st = localOf<ClientState>(ctx);
    // Until it returns cleanly, this iteration is a failure: the next one waits the backoff.
    st.failed = true;
    const lost = await connectAndWatch(ctx, st);
    st.failed = lost !== undefined;
    if (lost) throw lost;
  }

  /** Connects if needed, then waits: undefined on the stop, the loss's error otherwise. */
  async function connectAndWatch(ctx: ServiceContext, st: ClientState): Promise<Error | undefined> {
    if (ctx.signal.aborted) return undefined;
    if (!st.conn) await open(ctx, st);
    const conn = st.conn as ClientConnection | undefined;
    if (!conn || ctx.signal.aborted) return undefined;
    const lost = await watch(ctx, conn, st);
    if (!lost) return undefined;
    st.conn = undefined;
    current.clear(conn);
    conn.socket.destroy();
    return lost;
  }

  async function close(ctx: ServiceContext): Promise<void> {
    const st = localOf<ClientState>(ctx);
    const conn = st.conn;
    st.conn = undefined;
    if (!conn) return;
    current.clear(conn);
    const start = now();
    const drainUntil = start + drainBudget(grace);
    conn.end();
    const closed = new Promise<void>((resolve) => {
      if (conn.signal.aborted) resolve();
      else conn.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const settled = await settlesBy(Promise.all([closed, st.handling]), drainUntil);
    if (!settled)
      ctx.logger.warn(
        { target: s.target },
        `${s.label} client connection still open at the end of the grace period; destroyed`,
      );
    conn.socket.destroy();
  }

  return {
    iterate,
    open: (ctx) => open(ctx, localOf<ClientState>(ctx)),
    close,
    around: (paired) => states.around(paired),
    schedule: {
      first: (t) => t,
      next(_start, end, t, log) {
        const st = states.get(log);
        if (!st.failed) return t;
        if (st.upAt !== undefined && Date.now() - st.upAt >= s.reconnect.max) st.attempt = 0;
        st.upAt = undefined;
        const wait = backoffDelay(s.reconnect, st.attempt);
        st.attempt++;
        st.nextWall = Date.now() + (end + wait - t);
        return end + wait;
      },
    },
    local: {
      create: () => states.fresh(),
      describe: (state) => {
        const st = state as ClientState;
        return {
          target: s.target,
          tls: s.label === 'TLS',
          connected: st.conn?.open ?? false,
          connections: st.connections,
          attempt: st.attempt,
          received: st.conn?.received ?? 0,
          sent: st.conn?.sent ?? 0,
          unread: st.conn?.unread ?? 0,
        };
      },
    },
    shown: {
      client: s.label.toLowerCase(),
      ...options,
      ...(options.tls ? { tls: '[redacted]' } : {}),
    },
    api: () => ({
      get connection() {
        return current.get();
      },
      write: (data: string | Uint8Array) => current.write(data),
      connected: (opts?: { signal?: AbortSignal }) => current.next(opts?.signal),
    }),
  };
}

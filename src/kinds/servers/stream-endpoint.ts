/**
 * One generation's TCP or TLS listener: a `net.Server` or `tls.Server` handing each connection
 * to the user's handler, with the bounded close. Internal.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import { isThenable } from '../../actors/loop-run.ts';
import type { ServiceContext } from '../../core/service-options.ts';
import { type Endpoint, EndSignal, Gauge, settlesBy, urlHost } from './endpoint.ts';
import type { HandedListener } from './handed-listener.ts';
import { listen } from './listen.ts';
import type { HandlerErrorPolicy } from './server-options.ts';
import { handlerFailed, type ServerSlot } from './server-service.ts';
import { removeSocket } from './socket-path.ts';

/** What the stream endpoint needs from the options. @internal */
export interface StreamSettings<S extends Socket> {
  readonly id: string;
  readonly label: 'TCP' | 'TLS';
  readonly scheme: 'tcp' | 'tls';
  readonly handle: (socket: S, ctx: ServiceContext) => unknown;
  readonly port: number;
  readonly host: string;
  readonly reusePort: boolean;
  /** A unix socket path to listen on instead of `port` and `host`. */
  readonly path: string | undefined;
  /** A listening socket handed over (`fd`, `listener`), kept across generations. */
  readonly handed: HandedListener | undefined;
  readonly handlerErrors: HandlerErrorPolicy;
  /** The server, made fresh for each generation. */
  readonly create: () => Server;
  /** The event that hands over a connection ready for the handler. */
  readonly event: 'connection' | 'secureConnection';
}

/**
 * Cuts a TCP connection so that the peer cannot mistake it for a normal end (a handler that
 * failed, a connection out of time): a reset rather than an EOF.
 */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** The peer's address and port: what ties a TLS socket to the TCP socket under it. */
const remoteKey = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

/** A connection handed to the handler; `busy` while the handler's promise is pending. */
interface Conn {
  busy: boolean;
}

/** Creates the server and listens on `port` (`s.port`, or the one kept from port 0). @internal */
export async function openStream<S extends Socket>(
  slot: ServerSlot,
  s: StreamSettings<S>,
  port: number,
): Promise<Endpoint> {
  /** Every TCP connection (TLS ones still in their handshake included), by peer. */
  const raw = new Map<string, Socket>();
  /** Connections handed to the handler. */
  const conns = new Map<S, Conn>();
  const gauge = new Gauge();
  const end = new EndSignal();
  let closing = false;
  let active = 0;

  const server = s.create();
  server.on('connection', (socket: Socket) => {
    const key = remoteKey(socket);
    raw.set(key, socket);
    // The TLS socket wrapping it gets its own listener below; a reset before that is harmless.
    if (s.label === 'TLS') socket.on('error', () => {});
    socket.once('close', () => {
      if (raw.get(key) === socket) raw.delete(key);
      gauge.changed();
    });
  });
  /**
   * Resets a handled connection. For TLS, the TCP socket under it is reset and the TLS socket
   * is left to close with it: destroying both in the same tick crashes Node 20 (SIGSEGV).
   */
  const abort = (socket: S) => {
    const under = s.label === 'TLS' ? raw.get(remoteKey(socket)) : socket;
    if (under) reset(under);
    else socket.destroy();
  };
  server.on(s.event, (socket: S) => {
    // Without a listener, a peer's reset (ECONNRESET) would be an uncaught 'error'.
    socket.on('error', (err: Error) => slot.logger?.debug({ err }, `${s.label} connection error`));
    const conn: Conn = { busy: true };
    conns.set(socket, conn);
    active++;
    socket.once('close', () => {
      conns.delete(socket);
      gauge.changed();
    });
    const settle = () => {
      conn.busy = false;
      active--;
      // During a stop, a connection whose handler is done is ended at once.
      if (closing && !socket.destroyed) socket.end();
      gauge.changed();
    };
    const failed = (e: unknown) => {
      abort(socket);
      handlerFailed(slot, s.handlerErrors, e, 'connection handler threw; socket destroyed', {
        remoteAddress: socket.remoteAddress,
        remotePort: socket.remotePort,
      });
    };
    try {
      const result = s.handle(socket, slot.ctx!);
      if (isThenable(result)) {
        result.then(settle, (e: unknown) => {
          failed(e);
          settle();
        });
      } else {
        settle();
      }
    } catch (e) {
      failed(e);
      settle();
    }
  });
  if (s.label === 'TLS') {
    server.on('tlsClientError', (err: Error) =>
      slot.logger?.debug({ err }, 'TLS handshake failed'),
    );
  }

  const target = {
    service: s.id,
    kind: s.label,
    port,
    host: s.host,
    reusePort: s.reusePort,
    configuredPort: s.port,
    path: s.path,
  };
  let bound: AddressInfo | string;
  if (s.handed) bound = await s.handed.attach(server, target);
  else {
    await listen(server, target);
    bound = server.address() as AddressInfo | string;
  }
  const address = typeof bound === 'string' ? undefined : bound;
  const url = address ? `${s.scheme}://${urlHost(address.address, address.port)}` : `unix:${bound}`;

  server.on('error', (error: Error) => {
    if (closing) return;
    slot.logger?.error({ err: error }, `${s.label} listener error; closing it`);
    closing = true;
    for (const socket of raw.values()) reset(socket);
    server.close();
    end.fire(error);
  });
  server.on('close', () => {
    if (closing) return;
    closing = true;
    end.fire(
      new Error(`${s.label} service "${s.id}": the listener on ${url} closed unexpectedly.`),
    );
  });

  return {
    port: address?.port ?? 0,
    details: () => ({
      ...(address ? { port: address.port, host: address.address } : { path: bound }),
      url,
      listening: s.handed ? !closing : server.listening,
      connections: conns.size,
      active,
    }),
    onEnd: (listener) => end.onEnd(listener),
    async close(drainUntil, closeUntil) {
      closing = true;
      s.handed?.detach(server);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle connections (their handler is done) are ended now: the peer sees EOF. Busy ones
      // are ended as soon as their handler settles; handlers see ctx.signal aborted.
      for (const [socket, conn] of conns) if (!conn.busy) socket.end();
      const drained = await gauge.until(() => conns.size === 0, drainUntil);
      const left = conns.size;
      // Out of time, or only handshakes and half-closed peers left: destroy them.
      // Resetting the TCP sockets closes the TLS sockets on them as well.
      for (const socket of raw.values()) reset(socket);
      if (!drained) {
        slot.logger?.warn(
          { connections: left },
          `${s.label} connections still open at the end of the grace period; destroyed`,
        );
      }
      if (!(await settlesBy(closed, closeUntil))) {
        slot.logger?.warn({}, `${s.label} listener still closing at the end of the grace period`);
      }
      if (s.path !== undefined) removeSocket(s.path);
      // All destroyed; their 'close' events may come a tick later.
      raw.clear();
      conns.clear();
    },
  };
}

/**
 * One generation's HTTP listener: a `node:http` server around the user's request listener,
 * counting connections and requests in flight, with the bounded close. Internal.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isThenable } from '../../actors/loop-run.ts';
import { type Endpoint, EndSignal, Gauge, settlesBy, urlHost } from './endpoint.ts';
import type { HandedListener } from './handed-listener.ts';
import { listen } from './listen.ts';
import type { HandlerErrorPolicy } from './server-options.ts';
import { handlerFailed, type ServerSlot } from './server-service.ts';
import { removeSocket } from './socket-path.ts';

/** What the HTTP endpoint needs from the options. @internal */
export interface HttpSettings {
  readonly id: string;
  readonly serve: RequestListener;
  readonly port: number;
  readonly host: string;
  readonly reusePort: boolean;
  /** A unix socket path to listen on instead of `port` and `host`. */
  readonly path: string | undefined;
  /** A listening socket handed over (`fd`, `listener`), kept across generations. */
  readonly handed: HandedListener | undefined;
  readonly keepAliveTimeout: number | undefined;
  readonly handlerErrors: HandlerErrorPolicy;
}

/** A request listener that threw or rejected: answer 500 if still possible, then report. */
function answerFailure(
  slot: ServerSlot,
  s: HttpSettings,
  thrown: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  let answered = false;
  if (!res.headersSent && !res.writableEnded) {
    res.statusCode = 500;
    res.shouldKeepAlive = false;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('Internal Server Error\n');
    answered = true;
  } else if (!res.writableEnded) {
    // Half a response is worse than none: cut the connection so the client sees the failure.
    res.destroy();
  }
  handlerFailed(
    slot,
    s.handlerErrors,
    thrown,
    answered
      ? 'request handler threw; answered 500'
      : 'request handler threw; connection destroyed',
    { method: req.method, url: req.url },
  );
}

/** Creates the server and listens on `port` (`s.port`, or the one kept from port 0). @internal */
export async function openHttp(slot: ServerSlot, s: HttpSettings, port: number): Promise<Endpoint> {
  const sockets = new Set<Socket>();
  const inFlight = new Set<ServerResponse>();
  const gauge = new Gauge();
  const end = new EndSignal();
  let closing = false;

  const server = createServer((req, res) => {
    inFlight.add(res);
    // Once the stop has begun, a request still arriving on an open connection is served, but
    // on a connection that closes after it.
    if (closing) res.shouldKeepAlive = false;
    res.once('close', () => {
      inFlight.delete(res);
      // Its connection may now be idle: let it go (setImmediate: after Node marks it idle).
      if (closing) setImmediate(() => server.closeIdleConnections());
      gauge.changed();
    });
    try {
      const result: unknown = s.serve(req, res);
      if (isThenable(result)) {
        result.then(undefined, (e: unknown) => answerFailure(slot, s, e, req, res));
      }
    } catch (e) {
      answerFailure(slot, s, e, req, res);
    }
  });
  if (s.keepAliveTimeout !== undefined) server.keepAliveTimeout = s.keepAliveTimeout;
  // Every connection, including ones that never sent a request and upgraded ones, which
  // `server.close()` alone would wait for forever.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      gauge.changed();
    });
  });

  const target = {
    service: s.id,
    kind: 'HTTP',
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
  const url = address ? `http://${urlHost(address.address, address.port)}` : `unix:${bound}`;

  server.on('error', (error: Error) => {
    if (closing) return;
    slot.logger?.error({ err: error }, 'HTTP listener error; closing it');
    closing = true;
    server.closeAllConnections();
    server.close();
    end.fire(error);
  });
  server.on('close', () => {
    if (closing) return;
    closing = true;
    end.fire(new Error(`HTTP service "${s.id}": the listener on ${url} closed unexpectedly.`));
  });

  return {
    port: address?.port ?? 0,
    details: () => ({
      ...(address ? { port: address.port, host: address.address } : { path: bound }),
      url,
      listening: s.handed ? !closing : server.listening,
      connections: sockets.size,
      inFlight: inFlight.size,
    }),
    onEnd: (listener) => end.onEnd(listener),
    async close(drainUntil, closeUntil) {
      closing = true;
      s.handed?.detach(server);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive connections do not hold the stop; responses not yet started will
      // tell their clients the connection closes after them.
      server.closeIdleConnections();
      for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      const drained = await gauge.until(() => inFlight.size === 0, drainUntil);
      const left = inFlight.size;
      // Whatever is still open now is idle, or out of time.
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      if (!drained) {
        slot.logger?.warn(
          { inFlight: left },
          'HTTP requests still in flight at the end of the grace period; connections destroyed',
        );
      }
      if (!(await settlesBy(closed, closeUntil))) {
        slot.logger?.warn({}, 'HTTP listener still closing at the end of the grace period');
      }
      if (s.path !== undefined) removeSocket(s.path);
      // All destroyed; their 'close' events may come a tick later.
      sockets.clear();
      inFlight.clear();
    },
  };
}

/**
 * `createTcpService`: a `node:net` server as a supervised service (aiomisc TCPServer).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ServiceContext } from '../../core/service-options.ts';
import { checkFunction, type Fail } from '../../core/validate.ts';
import type { ServiceMachine } from '../../machines/service.ts';
import type { ServerBase, ServerServiceOptions, ServerSocketOptions } from './server-options.ts';
import { defineServerKind, type ServerKind } from './server-service.ts';
import { openStream } from './stream-endpoint.ts';

/**
 * Options of {@link createTcpService}: the common server options (`port`, `host`,
 * `gracePeriod`, `onStart`, ...; see {@link ServerServiceOptions}) plus these.
 *
 * @example
 * ```ts
 * const options: TcpServiceOptions = {
 *   id: 'echo',
 *   port: 7000,
 *   handle: (socket) => void socket.pipe(socket),
 * };
 * ```
 */
export interface TcpServiceOptions extends ServerServiceOptions, ServerSocketOptions {
  /**
   * Called with each new connection and the running generation's context. Either set up
   * listeners and return (the connection is then idle as far as a stop is concerned), or
   * return a promise that settles when you are done with the connection (it is in flight until
   * then). An `'error'` listener that logs at debug is already on the socket. A throw or a
   * rejection destroys the socket and is logged; it counts as a failure of the service only
   * with `handlerErrors: 'count'`. Required.
   */
  handle: (socket: Socket, ctx: ServiceContext) => unknown;
  /**
   * Listen with SO_REUSEPORT (Node >= 22.12 or >= 23.1; `true` throws on Node 20).
   * @default false
   */
  reusePort?: boolean;
}

const OWN = ['handle', 'reusePort', 'path', 'fd', 'listener'] as const;

/**
 * Creates a TCP server service: `running` means the port is listening, and `getTree()` shows
 * `details: { port, host, url, listening, connections, active }` (`active`: handlers whose
 * promise is pending).
 *
 * The stop is bounded by `gracePeriod`, from the moment it begins: stop accepting; `end()`
 * every connection whose handler is done (the peer sees EOF); end the others as their handler
 * settles (handlers see `ctx.signal` aborted); at the grace period minus a margin (10 %, 20 to
 * 250 ms), destroy whatever is still open; then run your `onStop`. aiomisc's close could hang
 * on a TLS peer that never answers; this one cannot.
 *
 * A listen error (`EADDRINUSE`, ...) fails the start with a `ServerListenError`; a restart
 * binds the same port again.
 *
 * @example
 * ```ts
 * import { once } from 'node:events';
 *
 * // A line-based server: each connection gets one answer, then is closed.
 * const upper = createTcpService({
 *   id: 'upper',
 *   port: 7000,
 *   async handle(socket, ctx) {
 *     const [line] = (await once(socket, 'data', { signal: ctx.signal })) as [Buffer];
 *     socket.end(line.toString().toUpperCase());
 *   },
 * });
 * ```
 */
export function createTcpService(options: TcpServiceOptions): ServiceMachine {
  return defineServerKind(options, {
    own: OWN,
    kind: (o, base, fail) =>
      streamKind(o, base, fail, 'TCP', () => createServer(), {
        server: 'tcp',
        ...o,
        ...(o.listener ? { listener: '[net.Server]' } : {}),
      }),
  });
}

/**
 * The kind of a stream server (TCP, TLS): checks `handle`, and opens a `net.Server` (or a
 * `tls.Server`) made fresh for each generation. @internal
 *
 * @example
 * ```ts
 * const kind = streamKind(options, base, fail, 'TCP', () => createServer(), { server: 'tcp' });
 * ```
 */
export function streamKind(
  options: { readonly id: string; readonly handle: unknown },
  base: ServerBase,
  fail: Fail,
  label: 'TCP' | 'TLS',
  create: () => Server,
  shown: object,
): ServerKind & { readonly shown: object } {
  const handle = checkFunction(options.handle, 'handle', fail, true) as (
    socket: Socket,
    ctx: ServiceContext,
  ) => unknown;
  const settings = {
    id: options.id,
    label,
    scheme: label === 'TCP' ? 'tcp' : 'tls',
    handle,
    port: base.port,
    host: base.host,
    reusePort: base.reusePort,
    path: base.path,
    handed: base.handed,
    handlerErrors: base.handlerErrors,
    create,
    event: label === 'TCP' ? 'connection' : 'secureConnection',
  } as const;
  return {
    label,
    initialDetails: {
      port: base.port,
      host: base.host,
      listening: false,
      connections: 0,
      active: 0,
    },
    open: (slot, port) => openStream(slot, settings, port),
    shown,
  };
}

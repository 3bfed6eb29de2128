/**
 * `createHttpService`: a `node:http` server as a supervised service (GCL BjoernService).
 */
import type { RequestListener } from 'node:http';
import { checkDuration, checkFunction } from '../../core/validate.ts';
import type { ServiceMachine } from '../../machines/service.ts';
import { openHttp } from './http-endpoint.ts';
import type { ServerServiceOptions, ServerSocketOptions } from './server-options.ts';
import { defineServerKind } from './server-service.ts';

/**
 * Options of {@link createHttpService}: the common server options (`port`, `host`,
 * `gracePeriod`, `onStart`, ...; see {@link ServerServiceOptions}) plus these.
 *
 * @example
 * ```ts
 * const options: HttpServiceOptions = {
 *   id: 'api',
 *   port: 8080,
 *   keepAliveTimeout: 65_000, // longer than the load balancer's idle timeout
 *   serve: (_req, res) => res.end('ok'),
 * };
 * ```
 */
export interface HttpServiceOptions extends ServerServiceOptions, ServerSocketOptions {
  /**
   * The request listener: `(req, res) => void`, exactly as `http.createServer` takes it, so an
   * Express app, Fastify's `app.routing` (after `await app.ready()`) or Hono's
   * `getRequestListener(app.fetch)` plug in as they are. It receives no third argument (Express
   * would take it for `next`). A throw or a rejection answers 500 and is logged; it counts as a
   * failure of the service only with `handlerErrors: 'count'`. Required.
   */
  serve: RequestListener;
  /**
   * Listen with SO_REUSEPORT, so several processes can each listen on the same port. Needs
   * Node >= 22.12 or >= 23.1: on Node 20, `true` throws a `ServiceConfigError` here (see
   * {@link reusePortSupported}); share a port with `node:cluster` instead.
   * @default false
   */
  reusePort?: boolean;
  /**
   * How long an idle keep-alive connection stays open (`server.keepAliveTimeout`). Whatever it
   * is, idle connections never hold a stop: they are closed as the stop begins.
   * @default 5000 (Node's)
   */
  keepAliveTimeout?: number;
}

const OWN = ['serve', 'reusePort', 'keepAliveTimeout', 'path', 'fd', 'listener'] as const;

/**
 * Creates an HTTP server service: `running` means the port is listening (`listen` happens in
 * `starting`, after your `onStart`), and `getTree()` shows `details: { port, host, url,
 * listening, connections, inFlight }` with the real port when `port` is 0.
 *
 * The stop is bounded by `gracePeriod`, measured from the moment the stop begins:
 * 1. stop accepting connections and close the idle keep-alive ones;
 * 2. let the requests in flight finish (their responses say `Connection: close`) until the
 *    grace period minus a margin (10 %, 20 to 250 ms);
 * 3. destroy every connection still open, wait for the listener to close, run your `onStop`.
 *
 * A listen error (`EADDRINUSE`, ...) fails the start with a `ServerListenError` naming the
 * port. A listener that dies while running counts as a failure and listens again after
 * `relistenDelay`. The same port is bound again on a restart.
 *
 * Gotchas: `serve` gets `(req, res)` only; to reach the service context, capture it in
 * `onStart`. Upgrade requests (WebSocket) are refused: there is no `'upgrade'` listener.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { createHttpService, createSupervisor, getTree } from 'xstate-supervisor';
 *
 * const api = createHttpService({
 *   id: 'api',
 *   port: 0, // any free port
 *   gracePeriod: 10_000,
 *   serve: (req, res) => res.end(`hello ${req.url}`), // or an Express app: serve: app
 * });
 * const actor = createActor(createSupervisor({ id: 'root', children: [api] })).start();
 * // once running: getTree(actor).children[0].details.url === 'http://127.0.0.1:41234'
 * ```
 */
export function createHttpService(options: HttpServiceOptions): ServiceMachine {
  return defineServerKind(options, {
    own: OWN,
    kind: (o, base, fail) => {
      const serve = checkFunction(o.serve, 'serve', fail, true);
      const keepAliveTimeout = checkDuration(o.keepAliveTimeout, 'keepAliveTimeout', fail);
      const settings = {
        id: o.id,
        serve,
        port: base.port,
        host: base.host,
        reusePort: base.reusePort,
        path: base.path,
        handed: base.handed,
        keepAliveTimeout,
        handlerErrors: base.handlerErrors,
      };
      return {
        label: 'HTTP',
        initialDetails: {
          port: base.port,
          host: base.host,
          listening: false,
          connections: 0,
          inFlight: 0,
        },
        open: (slot, port) => openHttp(slot, settings, port),
        shown: { server: 'http', ...o, ...(o.listener ? { listener: '[net.Server]' } : {}) },
      };
    },
  });
}

/**
 * The options every server kind shares (HTTP, TCP, TLS, UDP), their defaults and their
 * validation. Each kind adds its own on top.
 */

import type { Server } from 'node:net';
import type { ServiceOptions } from '../../core/service-options.ts';
import { checkBoolean, checkDuration, checkOneOf, type Fail } from '../../core/validate.ts';
import { HandedListener } from './handed-listener.ts';
import { reusePortSupported } from './reuse-port.ts';
import { pathKind } from './socket-path.ts';

/**
 * What happens when a server's handler throws or rejects (`serve`, `handle`, `onMessage`).
 * Either way the error is logged with the service id and the request is answered or dropped
 * (HTTP: a 500, or the connection is destroyed if the headers were already sent; TCP/TLS: the
 * socket is destroyed; UDP: the datagram is dropped).
 *
 * - `'log'` (the default): only log it, at error level with the stack; the service never fails
 *   because of its handler, so one buggy route cannot restart the server (and, through the
 *   supervisors' intensity, take the application down).
 * - `'count'`: also count it as a failure of the service (`ctx.fail`), so failure number
 *   `maxFailures + 1` in one generation fails the service and its supervisor restarts it. For a
 *   handler whose errors mean the server itself is broken (a lost database connection).
 *
 * @example
 * ```ts
 * const policy: HandlerErrorPolicy = 'count'; // opt in: handler errors restart the server
 * ```
 */
export type HandlerErrorPolicy = 'count' | 'log';

/**
 * Options every server kind accepts: the common service options (no pacing: a server does not
 * iterate on a schedule) plus where to listen. Times are in milliseconds.
 *
 * Gotcha: `onStart` runs before the server listens and `onStop` after it has closed, so a
 * database opened in `onStart` is there for the first request and still there for the last.
 *
 * @example
 * ```ts
 * const common: ServerServiceOptions = { id: 'api', port: 8080, host: '0.0.0.0', gracePeriod: 10_000 };
 * const api = createHttpService({ ...common, serve: (_req, res) => res.end('ok') });
 * ```
 */
export interface ServerServiceOptions
  extends Omit<
    ServiceOptions,
    'iterate' | 'minPeriod' | 'pause' | 'interval' | 'delayBefore' | 'delayAfter'
  > {
  /**
   * The port to listen on, 0 for a free one chosen by the system. The real port is in
   * `getTree()` `details.port`; with 0, the port chosen at the first listen is kept: a restart
   * or a listen again after the listener died asks for that port, and fails with a
   * `ServerListenError` (`EADDRINUSE`) if something else has taken it meanwhile.
   * @default 0
   */
  port?: number;
  /**
   * The address to listen on. Only the loopback interface by default: pass `'0.0.0.0'` or
   * `'::'` to be reachable from other machines.
   * @default '127.0.0.1' ('::1' for a `udp6` service)
   */
  host?: string;
  /**
   * If the listener dies on its own while running (an `'error'` or `'close'` nobody asked
   * for), that counts as a failure and the next attempt to listen again waits this long.
   * @default 100
   */
  relistenDelay?: number;
  /**
   * What a handler that throws or rejects does to the service: see {@link HandlerErrorPolicy}.
   * Counting handler errors as failures is opt-in.
   * @default 'log'
   */
  handlerErrors?: HandlerErrorPolicy;
}

/**
 * Where a TCP, TLS or HTTP server listens instead of `port` and `host`: a unix socket
 * (`path`), or a socket already bound and handed over (`fd`, `listener`).
 *
 * @example
 * ```ts
 * const local: ServerSocketOptions = { path: '/run/my-app/api.sock' };
 * createHttpService({ id: 'api', ...local, serve: (_req, res) => res.end('ok') });
 * ```
 */
export interface ServerSocketOptions {
  /**
   * Listen on this unix socket path instead of `port` and `host` (not together with them). A
   * socket left there by an earlier run that nobody listens on any more is removed first;
   * anything else at the path (a regular file, a directory, a socket a live server holds) is
   * refused: at creation with a `ServiceConfigError` when it is already there, at the listen
   * with a `ServerListenError` (`ENOTSOCK`, `EADDRINUSE`). The socket file is removed when
   * the server closes. `getTree()` shows `details.path` and a `unix:` url.
   * @default undefined (listen on `port` and `host`)
   */
  path?: string;
  /**
   * Listen on a socket that is already bound and listening, handed over by whoever started the
   * process: its file descriptor (systemd socket activation passes them from 3, see
   * `LISTEN_FDS`). It is opened at the first start and kept open across stops and restarts (a
   * descriptor closed once could never be listened on again); between generations, connections
   * are refused. Not together with `port`, `host`, `path` or `listener`.
   * @default undefined
   */
  fd?: number;
  /**
   * As `fd`, with a `net.Server` you made listen beforehand (to bind a privileged port before
   * dropping privileges, say). It is kept open across stops and restarts; close it yourself
   * when the process is done with it.
   * @default undefined
   */
  listener?: Server;
}

/**
 * The defaults of {@link ServerServiceOptions} (the service defaults apply to the rest).
 *
 * @example
 * ```ts
 * const local = SERVER_DEFAULTS.host === '127.0.0.1'; // loopback only unless `host` says otherwise
 * ```
 */
export const SERVER_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  relistenDelay: 100,
  handlerErrors: 'log',
} as const;

/**
 * The option names every server kind has, before its own (see `defineServerKind`). @internal
 *
 * @example
 * ```ts
 * const own = [...SERVER_OPTIONS, 'serve']; // an HTTP server's part of the table
 * ```
 */
export const SERVER_OPTIONS = ['port', 'host', 'relistenDelay', 'handlerErrors'] as const;

/** A server kind's options resolved: where to listen. @internal */
export interface ServerBase {
  readonly port: number;
  readonly host: string;
  readonly relistenDelay: number;
  readonly handlerErrors: HandlerErrorPolicy;
  readonly reusePort: boolean;
  /** The unix socket path, when the kind listens on one instead of `port` and `host`. */
  readonly path: string | undefined;
  /** A listening socket handed over (`fd` or `listener`), one per definition. */
  readonly handed: HandedListener | undefined;
}

/**
 * The options a server kind takes (its own ones left aside), as `resolveServerBase` reads them.
 * @internal
 *
 * @example
 * ```ts
 * const listenOn: ServerBaseOptions = { id: 'api', port: 8080, reusePort: true };
 * ```
 */
export type ServerBaseOptions = ServerServiceOptions &
  ServerSocketOptions & { reusePort?: boolean };

/**
 * Validates what every server kind shares (the names were checked by `defineKind`). @internal
 *
 * @example
 * ```ts
 * const base = resolveServerBase({ id: 'api', port: 8080 }, fail); // { port: 8080, host: '127.0.0.1', ... }
 * ```
 */
export function resolveServerBase(
  options: ServerBaseOptions,
  fail: Fail,
  defaultHost: string = SERVER_DEFAULTS.host,
): ServerBase {
  const port = options.port ?? SERVER_DEFAULTS.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    fail({
      option: 'port',
      received: port,
      expected: 'an integer from 0 to 65535 (0: any free port)',
    });
  }
  const host = options.host ?? defaultHost;
  if (typeof host !== 'string' || host.length === 0) {
    fail({ option: 'host', received: host, expected: 'a non-empty host name or IP address' });
  }
  const reusePort = checkBoolean(options.reusePort, 'reusePort', fail) ?? false;
  if (reusePort && !reusePortSupported()) {
    fail({
      option: 'reusePort',
      received: reusePort,
      expected: `Node >= 22.12 or >= 23.1 (this is Node ${process.versions.node}, whose listen() has no reusePort); on Node 20, share one port between workers with node:cluster instead`,
    });
  }
  const path = options.path;
  if (path !== undefined) {
    if (typeof path !== 'string' || path === '') {
      fail({ option: 'path', received: path, expected: 'a unix socket path (a non-empty string)' });
    }
    if (options.port !== undefined || options.host !== undefined || reusePort) {
      fail({
        option: 'path',
        received: path,
        expected: 'either `path` or `port`/`host`/`reusePort`, not both',
      });
    }
    const found = pathKind(path);
    if (found !== 'none' && found !== 'socket') {
      fail({
        option: 'path',
        received: path,
        expected: `a path that does not exist, or a socket left by an earlier run (it is ${found}); remove it or choose another path`,
      });
    }
  }
  const handed = resolveHanded(options, reusePort, fail);
  return {
    port,
    host,
    relistenDelay:
      checkDuration(options.relistenDelay, 'relistenDelay', fail) ?? SERVER_DEFAULTS.relistenDelay,
    handlerErrors:
      checkOneOf(options.handlerErrors, ['count', 'log'], 'handlerErrors', fail) ??
      SERVER_DEFAULTS.handlerErrors,
    reusePort,
    path,
    handed,
  };
}

/** `fd` or `listener`, alone: the listener handed over, made once for the definition. */
function resolveHanded(
  options: ServerServiceOptions & ServerSocketOptions,
  reusePort: boolean,
  fail: Fail,
): HandedListener | undefined {
  const { fd, listener } = options;
  if (fd === undefined && listener === undefined) return undefined;
  const option = fd !== undefined ? 'fd' : 'listener';
  const received = fd ?? listener;
  const others = (['port', 'host', 'path'] as const).filter((k) => options[k] !== undefined);
  if (reusePort) others.push('reusePort' as never);
  if (fd !== undefined && listener !== undefined) others.push('listener' as never);
  if (others.length > 0) {
    fail({
      option,
      received,
      expected: `no \`${others.join('`, `')}\` with \`${option}\`: the socket handed over is already bound`,
    });
  }
  if (fd !== undefined) {
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
      fail({
        option: 'fd',
        received: fd,
        expected: 'a file descriptor: an integer >= 0 (systemd passes them from 3)',
      });
    }
    return new HandedListener(fd);
  }
  const l = listener as unknown as { listen?: unknown; address?: unknown } | null;
  if (
    typeof l !== 'object' ||
    l === null ||
    typeof l.listen !== 'function' ||
    typeof l.address !== 'function'
  ) {
    fail({ option: 'listener', received: listener, expected: 'a net.Server, already listening' });
  }
  return new HandedListener(listener as Server);
}

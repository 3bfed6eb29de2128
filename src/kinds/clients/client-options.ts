/**
 * The options of the client service kind, their defaults and their validation.
 */
import type { ConnectionOptions } from 'node:tls';
import type { BackoffOptions } from '../../core/backoff.ts';
import type { ServiceContext, ServiceOptions } from '../../core/service-options.ts';
import {
  checkDuration,
  checkFunction,
  checkInteger,
  checkObject,
  type Fail,
} from '../../core/validate.ts';
import { checkSecureContext } from '../servers/tls-service.ts';
import type { ClientConnection } from './client-connection.ts';

/**
 * Options of {@link createTcpClientService}: where to connect (`port` and `host`, or `path`),
 * TLS, the reconnect backoff, the buffer bounds, and what to do with each connection. Besides
 * these, the common service options (`maxFailures`, `failureWindow`, `gracePeriod`, `restart`,
 * hooks, `logger`, ...) work as in `createService`. Times are in milliseconds.
 *
 * @example
 * ```ts
 * const options: TcpClientServiceOptions = {
 *   id: 'upstream',
 *   port: 7000,
 *   reconnect: { initial: 100, max: 5_000 },
 *   async handle(conn) {
 *     for await (const line of conn.lines()) console.log('got', line);
 *   },
 * };
 * ```
 */
export interface TcpClientServiceOptions
  extends Omit<
    ServiceOptions,
    'iterate' | 'minPeriod' | 'pause' | 'interval' | 'delayBefore' | 'delayAfter'
  > {
  /** The port to connect to, 1 to 65535. Required unless `path` is given. */
  port?: number;
  /**
   * The host to connect to.
   * @default '127.0.0.1'
   */
  host?: string;
  /** A unix socket path to connect to instead of `port` and `host`. */
  path?: string;
  /**
   * Connect with TLS: `tls.connect` options (`ca` for a private CA or a self-signed server,
   * `servername`, `cert`/`key` for a client certificate, ...). The server's certificate is
   * checked (`rejectUnauthorized` stays true unless you set it). Never shown in `getTree()`.
   * @default undefined (plain TCP)
   */
  tls?: ConnectionOptions;
  /**
   * How long one attempt (TCP connect, TLS handshake and `onConnect`) may take.
   * @default 10000
   */
  connectTimeout?: number;
  /**
   * The wait before each reconnect, growing with each attempt that fails, as a supervisor's
   * `backoff` (`initial`, `max`, `factor`, `jitter`). It starts again at `initial` once a
   * connection has stayed up for `max`.
   * @default { initial: 100, max: 5000, factor: 2, jitter: 0.2 }
   */
  reconnect?: BackoffOptions;
  /**
   * The most bytes received and not yet read that a connection keeps before it pauses reading
   * (the peer is then held back by TCP); also the longest line `lines()` accepts.
   * @default 1048576 (1 MiB)
   */
  maxReadBuffer?: number;
  /**
   * The most bytes written and not yet sent: a `write()` past it rejects (`CLIENT_BUFFER_FULL`).
   * @default 1048576 (1 MiB)
   */
  maxWriteBuffer?: number;
  /**
   * Runs on each new connection before anyone else sees it (a greeting, an AUTH): the machine's
   * `connection` and `connected()` give it out once this has resolved. Bounded by
   * `connectTimeout`; a throw or rejection counts as a failed attempt.
   */
  onConnect?: (conn: ClientConnection, ctx: ServiceContext) => unknown;
  /**
   * Runs on each connection once it is given out, not awaited for it: set up listeners, or
   * read in a loop (`for await (const line of conn.lines())`). A throw or rejection counts as
   * a failure: the connection is destroyed and the client reconnects. A stop waits for it
   * within `gracePeriod`, after the connection has been ended.
   */
  handle?: (conn: ClientConnection, ctx: ServiceContext) => unknown;
}

/**
 * The defaults of {@link TcpClientServiceOptions}.
 *
 * @example
 * ```ts
 * const patient = { connectTimeout: CLIENT_DEFAULTS.connectTimeout * 3 };
 * ```
 */
export const CLIENT_DEFAULTS = {
  host: '127.0.0.1',
  connectTimeout: 10_000,
  reconnect: { initial: 100, max: 5_000, factor: 2, jitter: 0.2 },
  maxReadBuffer: 1_048_576,
  maxWriteBuffer: 1_048_576,
} as const;

/** The resolved options. @internal */
export interface ClientSettings {
  readonly id: string;
  readonly label: 'TCP' | 'TLS';
  readonly host: string;
  readonly port: number | undefined;
  readonly path: string | undefined;
  readonly tls: ConnectionOptions | undefined;
  readonly connectTimeout: number;
  readonly reconnect: Required<BackoffOptions>;
  readonly maxReadBuffer: number;
  readonly maxWriteBuffer: number;
  readonly onConnect: ((conn: ClientConnection, ctx: ServiceContext) => unknown) | undefined;
  readonly handle: ((conn: ClientConnection, ctx: ServiceContext) => unknown) | undefined;
  /** `host:port` or the path, for messages. */
  readonly target: string;
}

/**
 * The client's own option names (`defineKind`'s `own`). @internal
 *
 * @example
 * ```ts
 * CLIENT_OPTIONS.includes('reconnect'); // true
 * ```
 */
export const CLIENT_OPTIONS = [
  'port',
  'host',
  'path',
  'tls',
  'connectTimeout',
  'reconnect',
  'maxReadBuffer',
  'maxWriteBuffer',
  'onConnect',
  'handle',
] as const;

function checkBackoff(value: unknown, fail: Fail): Required<BackoffOptions> {
  if (value === undefined) return { ...CLIENT_DEFAULTS.reconnect };
  checkObject(value, 'reconnect', fail);
  const r = value as Record<string, unknown>;
  const expected =
    'an object { initial, max, factor?, jitter? }: 0 <= initial <= max, factor >= 1, 0 <= jitter <= 1';
  const initial = r.initial;
  const max = r.max;
  const factor = r.factor ?? 2;
  const jitter = r.jitter ?? 0.2;
  const ok =
    typeof initial === 'number' &&
    typeof max === 'number' &&
    typeof factor === 'number' &&
    typeof jitter === 'number' &&
    Number.isFinite(max) &&
    initial >= 0 &&
    max >= initial &&
    factor >= 1 &&
    jitter >= 0 &&
    jitter <= 1 &&
    Object.keys(r).every((k) => ['initial', 'max', 'factor', 'jitter'].includes(k));
  if (!ok) fail({ option: 'reconnect', received: value, expected });
  return {
    initial: initial as number,
    max: max as number,
    factor: factor as number,
    jitter: jitter as number,
  };
}

/**
 * Validates the client's own options; `fail` throws a `ServiceConfigError` naming the option.
 * @internal
 *
 * @example
 * ```ts
 * const settings = resolveClientOptions({ id: 'upstream', port: 7000 }, fail); // target '127.0.0.1:7000'
 * ```
 */
export function resolveClientOptions(options: TcpClientServiceOptions, fail: Fail): ClientSettings {
  const { port, path } = options;
  if (path !== undefined) {
    if (typeof path !== 'string' || path === '') {
      fail({ option: 'path', received: path, expected: 'a unix socket path (a non-empty string)' });
    }
    if (port !== undefined || options.host !== undefined) {
      fail({
        option: 'path',
        received: path,
        expected: 'either `path` or `port` (and `host`), not both',
      });
    }
  } else if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    fail({
      option: 'port',
      received: port,
      expected: 'an integer from 1 to 65535 (or a unix socket `path`)',
    });
  }
  const host = options.host ?? CLIENT_DEFAULTS.host;
  if (typeof host !== 'string' || host === '') {
    fail({ option: 'host', received: host, expected: 'a non-empty host name or IP address' });
  }
  const tls = options.tls;
  if (tls !== undefined) {
    if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) {
      fail({ option: 'tls', received: typeof tls, expected: 'an object of tls.connect options' });
    }
    checkSecureContext(tls, fail);
  }
  const positive = (value: unknown, option: string, fallback: number) => {
    const n = checkInteger(value, option, fail, 1);
    return n ?? fallback;
  };
  const connectTimeout =
    checkDuration(options.connectTimeout, 'connectTimeout', fail) ?? CLIENT_DEFAULTS.connectTimeout;
  if (connectTimeout === 0) {
    fail({ option: 'connectTimeout', received: 0, expected: 'a number of milliseconds > 0' });
  }
  return {
    id: options.id,
    label: tls ? 'TLS' : 'TCP',
    host,
    port,
    path,
    tls,
    connectTimeout,
    reconnect: checkBackoff(options.reconnect, fail),
    maxReadBuffer: positive(options.maxReadBuffer, 'maxReadBuffer', CLIENT_DEFAULTS.maxReadBuffer),
    maxWriteBuffer: positive(
      options.maxWriteBuffer,
      'maxWriteBuffer',
      CLIENT_DEFAULTS.maxWriteBuffer,
    ),
    onConnect: checkFunction(options.onConnect, 'onConnect', fail),
    handle: checkFunction(options.handle, 'handle', fail),
    target: path ?? `${host.includes(':') ? `[${host}]` : host}:${port}`,
  };
}

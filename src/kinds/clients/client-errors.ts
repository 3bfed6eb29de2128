/**
 * The errors of the client service kind: a connection that could not be made, and a write or
 * read while there is no connection (or past a buffer's bound).
 */
import { XstateSupervisorError } from '../../core/errors.ts';

/** What each system error means for a client, which option to check, and what to do. */
const HINTS: Record<string, readonly [what: string, option: string, todo: string]> = {
  ECONNREFUSED: ['nothing listens there', 'port', 'start the server, or check `port` and `host`'],
  ENOENT: ['no such socket file', 'path', 'start the server, or check `path`'],
  ENOTFOUND: ['the host name does not resolve', 'host', 'check `host`'],
  EHOSTUNREACH: ['the host cannot be reached', 'host', 'check `host` and the network'],
  ETIMEDOUT: [
    'no answer within connectTimeout',
    'connectTimeout',
    'check the peer, or raise `connectTimeout`',
  ],
  ECONNRESET: [
    'the peer reset the connection',
    'tls',
    'check that the peer speaks TLS when `tls` is set',
  ],
};

/**
 * A client service could not connect (or finish its TLS handshake). `code` is
 * `CLIENT_CONNECT_FAILED`; `systemCode` the system's (`ECONNREFUSED`, ...) or TLS's
 * (`DEPTH_ZERO_SELF_SIGNED_CERT`, ...); `option` the option to check; `cause` the original.
 * At the start it fails the start; later it counts as a failure and the client tries again.
 *
 * @example
 * ```ts
 * // ClientConnectError: TCP client "upstream" could not connect to 127.0.0.1:7001: nothing
 * // listens there (ECONNREFUSED); start the server, or check `port` and `host`.
 * if (e instanceof ClientConnectError && e.systemCode === 'ECONNREFUSED') console.log(e.option); // 'port'
 * ```
 */
export class ClientConnectError extends XstateSupervisorError {
  /** The service id. */
  readonly service: string;
  /** Where it tried to connect: `host:port`, or the socket path. */
  readonly target: string;
  /** The option most likely wrong (`port`, `host`, `path`, `tls`, `connectTimeout`). */
  readonly option: string;
  /** The system's or TLS's error code; undefined if it had none. */
  readonly systemCode: string | undefined;
  constructor(service: string, kind: string, target: string, cause: unknown) {
    const raw = (cause as { code?: unknown } | undefined)?.code;
    const systemCode = typeof raw === 'string' ? raw : undefined;
    const hint = systemCode === undefined ? undefined : HINTS[systemCode];
    const message = cause instanceof Error ? cause.message : String(cause);
    const why = hint ? `${hint[0]} (${systemCode}); ${hint[2]}` : message;
    super(
      'CLIENT_CONNECT_FAILED',
      `${kind} client "${service}" could not connect to ${target}: ${why}.`,
      { cause },
    );
    this.service = service;
    this.target = target;
    this.option = hint?.[1] ?? (kind === 'TLS' ? 'tls' : 'host');
    this.systemCode = systemCode;
  }
}

/**
 * A write or read on a client that has no connection, or past a bound. `code` is
 * `CLIENT_NOT_CONNECTED` (no connection now: the client is starting, reconnecting or stopped),
 * `CLIENT_CONNECTION_LOST` (the failure a lost connection counts as),
 * `CLIENT_BUFFER_FULL` (a write over `maxWriteBuffer` bytes waiting to be sent),
 * `CLIENT_LINE_TOO_LONG` (a line longer than `maxReadBuffer`) or `CLIENT_READER_TAKEN` (a
 * second reader on one connection).
 *
 * @example
 * ```ts
 * try {
 *   await upstream.write('PING\n');
 * } catch (e) {
 *   if (e instanceof ClientStateError && e.code === 'CLIENT_NOT_CONNECTED') queueForLater('PING\n');
 * }
 * ```
 */
export class ClientStateError extends XstateSupervisorError {
  /** The service id. */
  readonly service: string;
  constructor(
    code:
      | 'CLIENT_NOT_CONNECTED'
      | 'CLIENT_CONNECTION_LOST'
      | 'CLIENT_BUFFER_FULL'
      | 'CLIENT_LINE_TOO_LONG'
      | 'CLIENT_READER_TAKEN',
    service: string,
    message: string,
  ) {
    super(code, message);
    this.service = service;
  }
}

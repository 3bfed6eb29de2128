/**
 * The error a server kind's start fails with when it cannot listen.
 */
import { XstateSupervisorError } from '../../core/errors.ts';

/**
 * Which server could not listen, as {@link ServerListenError} carries it.
 *
 * @example
 * ```ts
 * const where = (d: ServerListenDetails) => `${d.kind} "${d.service}" on ${d.host}:${d.port}`;
 * ```
 */
export interface ServerListenDetails {
  /** The service id. */
  readonly service: string;
  /** `'HTTP'`, `'TCP'`, `'TLS'` or `'UDP'`. */
  readonly kind: string;
  /** The port asked for (0: any free port). */
  readonly port: number;
  /** The address asked for. */
  readonly host: string;
  /** The unix socket path asked for, instead of `host` and `port`. */
  readonly path?: string | undefined;
  /**
   * The `port` option, when it differs from `port`: 0, and `port` is the one the system chose
   * at the service's first listen, which every later listen asks for again.
   */
  readonly configuredPort?: number | undefined;
}

/** What each system error means, and what to do about it. */
const HINTS: Record<string, readonly [what: string, todo: string]> = {
  EADDRINUSE: [
    'the address is already in use',
    'stop whatever holds the port, choose another `port`, or use port 0 for a free one',
  ],
  EACCES: ['permission denied', 'ports below 1024 need privileges'],
  ENOTSOCK: [
    'the path exists and is not a socket',
    'remove it, or choose another `path`; only a socket left by an earlier run is replaced',
  ],
  EADDRNOTAVAIL: ['the address is not available on this machine', 'check `host`'],
  ENOTFOUND: ['the host name does not resolve', 'check `host`'],
};

/** What to do when the port kept from an earlier listen with port 0 has been taken. */
const KEPT_IN_USE =
  'stop whatever took the port meanwhile, or set a fixed `port` that nothing else uses';

/**
 * Why a server kind's start failed: its `listen()` (or `bind()`) was refused. `code` is
 * `SERVER_LISTEN_FAILED`; `systemCode` is the system's (`EADDRINUSE`, `EACCES`, ...), and
 * `cause` the original error. The service goes to `failed` and `getTree()` shows the message
 * in `lastError`. A service with `port: 0` listens again on the port the system chose at its
 * first listen; when that port has been taken meanwhile, the error says so and carries
 * `configuredPort: 0`.
 *
 * @example
 * ```ts
 * actor.subscribe(() => {
 *   const { state, lastError } = getTree(actor);
 *   if (state === 'failed') console.error(lastError?.message);
 *   // HTTP service "api" could not listen on 127.0.0.1:8080: the address is already in use
 *   // (EADDRINUSE); stop whatever holds the port, choose another `port`, ...
 * });
 * ```
 */
export class ServerListenError extends XstateSupervisorError implements ServerListenDetails {
  readonly service: string;
  readonly kind: string;
  readonly port: number;
  readonly host: string;
  /** The unix socket path asked for, if any. */
  readonly path: string | undefined;
  /** The `port` option (0) when `port` is the one the system chose at the first listen. */
  readonly configuredPort: number | undefined;
  /** The system's error code, such as `EADDRINUSE`; undefined if it had none. */
  readonly systemCode: string | undefined;
  constructor(details: ServerListenDetails, cause: unknown) {
    const raw = (cause as { code?: unknown } | undefined)?.code;
    const systemCode = typeof raw === 'string' ? raw : undefined;
    const kept = details.configuredPort !== undefined && details.configuredPort !== details.port;
    const hint = systemCode === undefined ? undefined : HINTS[systemCode];
    const why = hint
      ? `${hint[0]} (${systemCode}); ${kept && systemCode === 'EADDRINUSE' ? KEPT_IN_USE : hint[1]}`
      : cause instanceof Error
        ? cause.message
        : String(cause);
    const where = details.path
      ? details.path
      : kept
        ? `${details.host}:${details.port} (chosen by the system at its first listen with \`port: 0\`, and kept so that its address does not change)`
        : `${details.host}:${details.port}`;
    super(
      'SERVER_LISTEN_FAILED',
      `${details.kind} service "${details.service}" could not listen on ${where}: ${why}.`,
      { cause },
    );
    this.service = details.service;
    this.kind = details.kind;
    this.port = details.port;
    this.host = details.host;
    this.path = details.path;
    this.configuredPort = kept ? details.configuredPort : undefined;
    this.systemCode = systemCode;
  }
}

/**
 * `createControlClient()`: the control API's commands as typed methods, beside `perform()`.
 */
import type { TreeNode } from '../core/tree-node.ts';
import {
  type ControlResponse,
  checkTimeout,
  checkToken,
  sendControlRequest,
  toPerformError,
} from './client.ts';
import {
  checkBaseUrl,
  encodeChildPath,
  type ServiceCommand,
  sendRoute,
  serviceRoute,
} from './client-routes.ts';
import { perform } from './perform.ts';

/**
 * Options of {@link createControlClient}, and of each call (a call's own win).
 *
 * @example
 * ```ts
 * const options: ControlClientOptions = { token: process.env.XSTATE_SUPERVISOR_TOKEN, timeout: 5_000 };
 * ```
 */
export interface ControlClientOptions {
  /**
   * The server's token, sent as `Authorization: Bearer <token>`.
   * @default undefined (no `Authorization` header)
   */
  token?: string | undefined;
  /**
   * Milliseconds to wait for each whole answer before rejecting with code `TIMEOUT`.
   * @default 10000
   */
  timeout?: number | undefined;
  /**
   * Aborts the call(s); they reject with code `ABORTED`.
   * @default undefined
   */
  signal?: AbortSignal | undefined;
}

/**
 * An event for a supervised actor: the machine's own events, not XState's `xstate.*` ones.
 *
 * @example
 * ```ts
 * const ping: ControlEvent = { type: 'db.ping', attempt: 1 };
 * ```
 */
export interface ControlEvent {
  /** The event's type; `xstate.*` types are refused by the server (400 `RESERVED_EVENT`). */
  readonly type: string;
  readonly [field: string]: unknown;
}

/**
 * What `/readyz` answers, whether ready or not.
 *
 * @example
 * ```ts
 * const { ready, notRunning } = await client.ready();
 * if (!ready) console.log('waiting for', notRunning.join(', '));
 * ```
 */
export interface ReadyState {
  /** Whether the root and every permanent service run (and no shutdown has begun). */
  readonly ready: boolean;
  /** The paths not running (`/` for the root). */
  readonly notRunning: readonly string[];
  /** Present and true once a shutdown has begun (readiness then fails whatever runs). */
  readonly shuttingDown?: boolean;
}

/**
 * A control server's API as typed methods. Each command resolves to the child's
 * {@link TreeNode} once it has completed, and rejects with a `PerformError` carrying the
 * HTTP `status` and the server's `code` otherwise (409 for a command impossible in the
 * child's state, 404 `UNKNOWN_CHILD`, 401 `UNAUTHORIZED`; status 0 with `TIMEOUT`,
 * `NETWORK` or `ABORTED` when no answer came).
 *
 * A `path` is the ids below the root joined by `/` (`'workers/mailer'`), as in a report's
 * `path.join('/')`.
 *
 * @example
 * ```ts
 * const client = createControlClient(handle.control!.url, { token });
 * const node = await client.restart('workers/mailer');
 * console.log(node.state, node.generation);
 * ```
 */
export interface ControlClient<TEvent extends ControlEvent = ControlEvent> {
  /** The server's base URL, as given. */
  readonly url: string;
  /** `GET /tree`: the whole tree. */
  tree(options?: ControlClientOptions): Promise<TreeNode>;
  /** Starts a stopped child. */
  start(path: string, options?: ControlClientOptions): Promise<TreeNode>;
  /** Stops a child gracefully (it stays stopped). */
  stop(path: string, options?: ControlClientOptions): Promise<TreeNode>;
  /** Stops and starts a child (a manual restart, which counts toward no intensity). */
  restart(path: string, options?: ControlClientOptions): Promise<TreeNode>;
  /** Kills a child's generation at once and starts a new one. */
  hardReset(path: string, options?: ControlClientOptions): Promise<TreeNode>;
  /** Fails a child as if it had failed by itself (its supervisor decides what follows). */
  fail(path: string, options?: ControlClientOptions): Promise<TreeNode>;
  /** Sends an event to the supervised actor at `path` (a machine of your own). */
  send(path: string, event: TEvent, options?: ControlClientOptions): Promise<TreeNode>;
  /** Calls a service's user action, as {@link perform} does. */
  perform<Result = unknown>(
    path: string,
    action: string,
    data?: unknown,
    options?: ControlClientOptions,
  ): Promise<Result>;
  /** `GET /readyz`: resolves whether ready or not (a 503 is an answer, not an error). */
  ready(options?: ControlClientOptions): Promise<ReadyState>;
  /** `POST /shutdown`: resolves once the server has accepted it (202). */
  shutdown(options?: ControlClientOptions): Promise<void>;
}

/**
 * Makes a typed client for the control server at `url` (`handle.control.url`, or the
 * `createControlServer()` result's `url`). The URL, token and timeout are checked at once:
 * a wrong one throws a `TypeError` naming it, before any request.
 *
 * `TEvent` types what `send` accepts: pass your machine's events
 * (`createControlClient<EventFromLogic<typeof connection>>(url)`).
 *
 * @example
 * ```ts
 * import { createControlClient } from 'xstate-supervisor';
 * const client = createControlClient('http://127.0.0.1:9464', { token: process.env.TOKEN });
 * const tree = await client.tree();
 * await client.restart('workers/mailer');
 * await client.send('connection', { type: 'connection.close' });
 * ```
 */
export function createControlClient<TEvent extends ControlEvent = ControlEvent>(
  url: string | URL,
  defaults: ControlClientOptions = {},
): ControlClient<TEvent> {
  if (typeof defaults !== 'object' || defaults === null) {
    throw new TypeError(
      `Expected \`options\` to be an object like { token, timeout }, got ${String(defaults)}.`,
    );
  }
  const base = checkBaseUrl(url).href;
  checkTimeout(defaults.timeout);
  checkToken(defaults.token);
  const merged = (options: ControlClientOptions = {}): ControlClientOptions => ({
    token: options.token ?? defaults.token,
    timeout: options.timeout ?? defaults.timeout,
    signal: options.signal ?? defaults.signal,
  });
  const call = async (
    method: 'GET' | 'POST',
    route: string,
    label: string,
    options: ControlClientOptions | undefined,
    body?: unknown,
  ): Promise<ControlResponse> =>
    sendControlRequest(
      base,
      method,
      route,
      { ...merged(options), ...(body === undefined ? {} : { body, bodyArgument: 'event' }) },
      (target) => `${label} (${method} ${target})`,
    );
  const expectOk = async (
    method: 'GET' | 'POST',
    route: string,
    label: string,
    options: ControlClientOptions | undefined,
    body?: unknown,
  ) => {
    const response = await call(method, route, label, options, body);
    if (response.status < 200 || response.status > 299) {
      throw toPerformError(response, `${label} (${method} ${response.url})`);
    }
    return response.body;
  };
  const command =
    (name: ServiceCommand) =>
    async (path: string, options?: ControlClientOptions): Promise<TreeNode> =>
      (await expectOk(
        'POST',
        serviceRoute(path, name),
        `Command ${name} on ${JSON.stringify(path)}`,
        options,
      )) as TreeNode;
  return {
    url: base,
    tree: (options) => expectOk('GET', '/tree', 'Reading the tree', options) as Promise<TreeNode>,
    start: command('start'),
    stop: command('stop'),
    restart: command('restart'),
    hardReset: command('hard-reset'),
    fail: command('fail'),
    send: async (path, event, options) => {
      encodeChildPath(path);
      if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
        throw new TypeError(
          `Expected \`event\` to be an object with a string \`type\`, e.g. { type: 'db.ping' }, got ${JSON.stringify(event) ?? typeof event}.`,
        );
      }
      return (await expectOk(
        'POST',
        sendRoute(path),
        `Event ${JSON.stringify(event.type)} to ${JSON.stringify(path)}`,
        options,
        event,
      )) as TreeNode;
    },
    perform: (path, action, data, options) => perform(base, path, action, data, merged(options)),
    ready: async (options) => {
      const response = await call('GET', '/readyz', 'Reading readiness', options);
      if (response.status !== 200 && response.status !== 503) {
        throw toPerformError(response, `Reading readiness (GET ${response.url})`);
      }
      return response.body as ReadyState;
    },
    shutdown: async (options) => {
      await expectOk('POST', '/shutdown', 'Asking for a shutdown', options);
    },
  };
}

/**
 * `perform()`: call a service's user action on a control server (servicefactory's `perform`,
 * with a timeout and real errors).
 */
import { sendControlRequest, toPerformError } from './client.ts';
import { actionRoute } from './client-routes.ts';

/** Options of {@link perform}. */
export interface PerformOptions {
  /**
   * The control server's token, sent as `Authorization: Bearer <token>`.
   * @default undefined (no `Authorization` header; a server with a token answers 401)
   */
  token?: string | undefined;
  /**
   * Milliseconds to wait for the whole answer before rejecting with code `TIMEOUT`. The
   * action may still run to completion on the server.
   * @default 10000
   */
  timeout?: number | undefined;
  /**
   * Aborts the call; it then rejects with code `ABORTED`.
   * @default undefined
   */
  signal?: AbortSignal | undefined;
}

/**
 * Calls the action `action` of the service at `path` on the control server at `url`
 * (`POST /actions/<path>/<action>` with `data` as the JSON body) and resolves to the action's
 * JSON result (`null` when the action returned `undefined`).
 *
 * Rejects with a `PerformError` whose `status` is the HTTP status (0 when no answer
 * came) and whose `code` is the server's (`UNKNOWN_CHILD`, `UNKNOWN_ACTION`, `UNAUTHORIZED`,
 * an `ActionError`'s code, `INTERNAL`, ...) or `TIMEOUT`, `NETWORK`, `ABORTED` or
 * `BAD_RESPONSE`. Wrong arguments reject with a `TypeError` naming the argument, before any
 * request is sent.
 *
 * Gotchas: `data` crosses the wire as JSON (`Date`s become strings, `undefined` is sent as
 * `null`); a `TIMEOUT` does not cancel the action on the server.
 *
 * @param url The control server's `url`, e.g. `handle.control.url`.
 * @param path The ids below the root joined by `/`, e.g. `'workers/poller'`.
 * @param action The name of one of the service's `actions`.
 * @param data The action's input.
 * @example
 * ```ts
 * import { perform } from 'xstate-supervisor';
 * const result = await perform('http://127.0.0.1:8080', 'workers/poller', 'echo', { hi: 1 }, {
 *   token: process.env.XSTATE_SUPERVISOR_TOKEN,
 *   timeout: 2_000,
 * });
 * ```
 */
export async function perform<Result = unknown>(
  url: string | URL,
  path: string,
  action: string,
  data?: unknown,
  options: PerformOptions = {},
): Promise<Result> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `Expected \`options\` to be an object like { token, timeout }, got ${String(options)}.`,
    );
  }
  const route = actionRoute(path, action);
  const describe = (target: string): string =>
    `Action ${JSON.stringify(action)} on ${JSON.stringify(path)} (POST ${target})`;
  const response = await sendControlRequest(
    url,
    'POST',
    route,
    {
      token: options.token,
      timeout: options.timeout,
      signal: options.signal,
      // The route promises a JSON body; `undefined` has no JSON form.
      body: data === undefined ? null : data,
      bodyArgument: 'data',
    },
    describe,
  );
  if (response.status < 200 || response.status > 299)
    throw toPerformError(response, describe(response.url));
  return response.body as Result;
}

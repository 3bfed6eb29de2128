/**
 * `controlRequest()`: one bounded HTTP request to a control server (SPEC §7), shared by
 * `perform()` and the `xstate-supervisor` CLI.
 */
import { checkBaseUrl } from './client-routes.ts';
import { PerformError } from './perform-error.ts';

/**
 * The default `timeout` of `perform()`, `controlRequest()` and the CLI, in milliseconds.
 *
 * @example
 * ```ts
 * await perform(url, 'db', 'vacuum', null, { timeout: 6 * DEFAULT_CONTROL_TIMEOUT });
 * ```
 */
export const DEFAULT_CONTROL_TIMEOUT = 10_000;

/** Largest delay `setTimeout` honours; anything above it would fire at once. */
const MAX_TIMEOUT = 2 ** 31 - 1;

/** Options of {@link controlRequest}. */
export interface ControlRequestOptions {
  /**
   * Sent as `Authorization: Bearer <token>`. Needed by every route but `/healthz`, `/readyz`
   * and `/metrics` when the server has a token, and by `/readyz` and `/metrics` too when it
   * was created with `protectProbes: true`.
   * @default undefined (no `Authorization` header)
   */
  token?: string | undefined;
  /**
   * Milliseconds to wait for the whole answer, body included, before giving up with
   * `PerformError` code `TIMEOUT`.
   * @default 10000
   */
  timeout?: number | undefined;
  /**
   * A value sent as the JSON request body (`Content-Type: application/json`).
   * @default undefined (no body)
   */
  body?: unknown;
  /**
   * How to read the answer: `'json'` parses it (an empty body reads as `null`; anything else
   * that is not JSON throws `BAD_RESPONSE`); `'text'` returns the raw text (for `/metrics`).
   * @default 'json'
   */
  responseType?: 'json' | 'text' | undefined;
  /**
   * Aborts the request; it then rejects with `PerformError` code `ABORTED`.
   * @default undefined
   */
  signal?: AbortSignal | undefined;
}

/** What {@link controlRequest} resolves to: any HTTP answer, error statuses included. */
export interface ControlResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The parsed JSON body (`responseType: 'json'`) or the raw text (`'text'`). */
  readonly body: unknown;
  /** The full URL that was requested. */
  readonly url: string;
}

/** @internal Checks `timeout` and applies its default. */
export function checkTimeout(timeout: unknown): number {
  if (timeout === undefined) return DEFAULT_CONTROL_TIMEOUT;
  if (
    typeof timeout !== 'number' ||
    !Number.isInteger(timeout) ||
    timeout <= 0 ||
    timeout > MAX_TIMEOUT
  ) {
    throw new TypeError(
      `Expected \`timeout\` to be an integer number of milliseconds between 1 and ${MAX_TIMEOUT}, got ${String(timeout)} (${typeof timeout}).`,
    );
  }
  return timeout;
}

/** @internal Checks `token`: a non-empty string without line breaks, or undefined. */
export function checkToken(token: unknown): string | undefined {
  if (token === undefined) return undefined;
  if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) {
    throw new TypeError(
      "Expected `token` to be a non-empty string without line breaks (the server's token), or undefined.",
    );
  }
  return token;
}

function serialize(body: unknown, argument: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw new TypeError(
      `Expected \`${argument}\` to be JSON-serializable: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (text === undefined) {
    throw new TypeError(`Expected \`${argument}\` to be JSON-serializable, got ${typeof body}.`);
  }
  return text;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function preview(text: string): string {
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
  return text === '' ? 'an empty body' : shown;
}

/**
 * Sends one request with a bounded wait and reads the whole answer.
 * @internal Use {@link controlRequest}; `perform()` calls this to name its request in errors.
 */
export async function sendControlRequest(
  url: unknown,
  method: string,
  route: string,
  options: ControlRequestOptions & { bodyArgument?: string },
  describe: (target: string) => string,
): Promise<ControlResponse> {
  const base = checkBaseUrl(url);
  const timeout = checkTimeout(options.timeout);
  const token = checkToken(options.token);
  const payload =
    options.body === undefined
      ? undefined
      : serialize(options.body, options.bodyArgument ?? 'body');
  // Concatenated, not resolved: a route can never replace the base's host or path prefix.
  const target = new URL(base.href + route.replace(/^\/+/, '')).href;
  const at = describe(target);

  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeout);
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();

  let status = 0;
  let text: string;
  try {
    // `redirect: 'manual'`: a control server never redirects, and following one could carry
    // the token to another host.
    const response = await fetch(target, {
      method,
      headers,
      redirect: 'manual',
      signal: controller.signal,
      ...(payload === undefined ? {} : { body: payload }),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    // Whatever broke, headers or body, the answer is incomplete: status 0, as for no answer.
    if (timedOut) {
      throw new PerformError({
        status: 0,
        code: 'TIMEOUT',
        url: target,
        message: `${at}: no complete answer within ${timeout} ms; check the server is not stuck, or pass a larger \`timeout\`.`,
        cause: error,
      });
    }
    if (options.signal?.aborted) {
      throw new PerformError({
        status: 0,
        code: 'ABORTED',
        url: target,
        message: `${at}: aborted by the caller's signal.`,
        cause: error,
      });
    }
    throw new PerformError({
      status: 0,
      code: 'NETWORK',
      url: target,
      message: `${at}: the request failed (${networkReason(error)}); check the server is running and the URL is right.`,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  if (options.responseType === 'text') return { status, body: text, url: target };
  if (text.trim() === '') return { status, body: null, url: target };
  try {
    return { status, body: JSON.parse(text) as unknown, url: target };
  } catch (error) {
    throw new PerformError({
      status,
      code: 'BAD_RESPONSE',
      url: target,
      message: `${at}: the server answered ${status} with a body that is not JSON (${preview(text)}); is the URL a control server's?`,
      cause: error,
    });
  }
}

/**
 * Reads the `{ error: { code, message } }` body of an error answer, or `undefined` when the
 * body does not have that shape.
 * @internal
 */
export function readErrorBody(body: unknown): { code: string; message: string } | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string') return undefined;
  return { code: error.code, message: typeof error.message === 'string' ? error.message : '' };
}

/**
 * Turns an answer with an error status into the `PerformError` that describes it: the
 * server's `code` and `message`, or `BAD_RESPONSE` when the body is not an error object.
 * @internal
 */
export function toPerformError(response: ControlResponse, label: string): PerformError {
  const error = readErrorBody(response.body);
  if (error === undefined) {
    return new PerformError({
      status: response.status,
      code: 'BAD_RESPONSE',
      url: response.url,
      message: `${label}: the server answered ${response.status} without a JSON error body.`,
    });
  }
  return new PerformError({
    status: response.status,
    code: error.code,
    url: response.url,
    message: `${label}: the server answered ${response.status} ${error.code}: ${error.message}`,
  });
}

/**
 * Sends one request to a control server and resolves with its status and body, error statuses
 * included: a 409 resolves `{ status: 409, body: { error: { code, message } } }`. Only a
 * request that got no complete answer (`TIMEOUT`, `NETWORK`, `ABORTED`) or an answer that is
 * not JSON (`BAD_RESPONSE`) rejects, with a {@link PerformError}. Arguments are checked first;
 * a wrong one rejects with a `TypeError` naming it.
 *
 * `route` is appended to `url`'s path, so a control server behind a path prefix works
 * (`http://host/ops/` + `/tree` → `http://host/ops/tree`); encode ids in `route` yourself.
 *
 * @example
 * ```ts
 * import { controlRequest } from 'xstate-supervisor';
 * const { status, body } = await controlRequest('http://127.0.0.1:8080', 'POST', '/services/db/restart', {
 *   token: process.env.XSTATE_SUPERVISOR_TOKEN,
 *   timeout: 30_000,
 * });
 * if (status === 409) console.log('busy, try later', body);
 * ```
 */
export async function controlRequest(
  url: string | URL,
  method: 'GET' | 'POST',
  route: string,
  options: ControlRequestOptions = {},
): Promise<ControlResponse> {
  if (method !== 'GET' && method !== 'POST') {
    throw new TypeError(
      `Expected \`method\` to be "GET" or "POST", got ${JSON.stringify(method)}.`,
    );
  }
  if (typeof route !== 'string' || !route.startsWith('/')) {
    throw new TypeError(
      `Expected \`route\` to be a path starting with "/", e.g. "/tree", got ${JSON.stringify(route)}.`,
    );
  }
  return sendControlRequest(url, method, route, options, (target) => `${method} ${target}`);
}

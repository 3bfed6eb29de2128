/**
 * Small HTTP helpers for the control and inspector servers: JSON answers, JSON errors,
 * bounded bodies, listening, and the checks both make.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/** The largest request body accepted (1 MiB); larger answers 413. */
export const BODY_LIMIT = 1024 * 1024;

/** An error that becomes an HTTP answer `{ error: { code, message } }`. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body === undefined ? null : body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message } },
    error.headers,
  );
}

/**
 * The client closed its connection before its request was read (an aborted upload): its
 * mistake or its choice, and nobody is left to answer.
 */
export class ClientGoneError extends Error {
  readonly code = 'CLIENT_GONE';
  constructor(cause: unknown) {
    super('The client closed the connection before it was answered.', { cause });
    this.name = 'ClientGoneError';
  }
}

/**
 * Reads a body of at most {@link BODY_LIMIT} bytes (413 beyond), as it came. A body cut off by
 * the client rejects with {@link ClientGoneError}.
 */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT) {
    req.resume();
    throw new HttpError(413, 'BODY_TOO_LARGE', `The body is over ${BODY_LIMIT} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > BODY_LIMIT) {
        req.resume();
        throw new HttpError(413, 'BODY_TOO_LARGE', `The body is over ${BODY_LIMIT} bytes.`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    // Reading a request fails only when its connection does (`aborted`, ECONNRESET).
    throw e instanceof HttpError ? e : new ClientGoneError(e);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads a JSON body of at most {@link BODY_LIMIT} bytes; an empty body is `null`. A body cut
 * off by the client rejects with {@link ClientGoneError}.
 */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8').trim();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, 'BAD_JSON', `The body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Answers a request whose handler threw: an {@link HttpError} as its JSON error, a client that
 * has gone with nothing (logged at debug: a client's mistake is not the server's error), and
 * anything else as a generic 500, its details only in the log.
 */
export function answerFailure(
  req: IncomingMessage,
  res: ServerResponse,
  thrown: unknown,
  logger: Logger,
  server: string,
): void {
  const request = { method: req.method, url: req.url };
  if (thrown instanceof ClientGoneError) {
    logger.debug({ ...request, err: thrown.cause }, `${server} request aborted by the client`);
    res.destroy();
    return;
  }
  if (!(thrown instanceof HttpError)) {
    logger.error({ ...request, err: toError(thrown) }, `${server} request failed`);
  }
  // Half an answer is already on its way: cutting the connection is the only honest end.
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendError(
    res,
    thrown instanceof HttpError
      ? thrown
      : new HttpError(500, 'INTERNAL', 'Internal error; see the server log.'),
  );
}

/** Loopback names: binding elsewhere exposes the server, and they are always a valid Host. */
export const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Binds on every interface: the names the server is reached by are not known. */
const WILDCARD_BINDS = new Set(['0.0.0.0', '::']);

/** A name as `host` or `allowedHosts` gives it: lower case, IPv6 brackets dropped. */
function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/** The name in a Host header, lower case, without the port and IPv6 brackets ('' if none). */
function hostName(header: string): string {
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    return end === -1 ? '' : header.slice(1, end).toLowerCase();
  }
  return (header.split(':')[0] ?? '').toLowerCase();
}

/**
 * Whether a request's `Host` names this server: a loopback name, the bound `host`, or one of
 * `allowedHosts`, whatever the port (an SSH tunnel or a container's port mapping changes it).
 * A page that rebinds its own DNS name to 127.0.0.1 sends that name (DNS rebinding), so it is
 * refused; so is a request with no `Host` (no browser sends one without it). Any `Host` is
 * served when bound to every interface or when `allowedHosts` holds `'*'`.
 *
 * @example
 * ```ts
 * const hostAllowed = createHostCheck('127.0.0.1', ['control.internal']);
 * if (!hostAllowed(req)) throw forbiddenHost(req, 'control API');
 * ```
 */
export function createHostCheck(
  host: string,
  allowedHosts: readonly string[] = [],
): (req: IncomingMessage) => boolean {
  const names = new Set([...LOOPBACK, host, ...allowedHosts].map(normalizeName));
  if (WILDCARD_BINDS.has(normalizeName(host)) || names.has('*')) return () => true;
  return (req) => names.has(hostName(req.headers.host ?? ''));
}

/** The 403 for a request whose `Host` is not this server's (see {@link createHostCheck}). */
export function forbiddenHost(req: IncomingMessage, server: string): HttpError {
  const host = req.headers.host;
  return new HttpError(
    403,
    'FORBIDDEN_HOST',
    `${host === undefined ? 'The request has no Host header' : `The Host "${host}" is not a name of the ${server}`}; ` +
      'expected a loopback name, the bound address or one of `allowedHosts` (refused against DNS rebinding).',
  );
}

/**
 * No `Origin` header (not a browser: curl, `perform()`), or this server's own. A web page of
 * another site sends its origin, even on requests that need no CORS preflight (CSRF).
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Listens on `port` and `host`; resolves with `http://host:port` (the real port), IPv6 bracketed. */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/**
 * Checks the `port`, `host` and `allowedHosts` options every server of ours takes; `invalid`
 * throws the caller's own error.
 */
export function checkListenOptions(
  o: Record<string, unknown>,
  invalid: (option: string, expected: string, got: unknown) => never,
): void {
  const port = o.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    invalid('port', 'an integer from 0 to 65535', port);
  }
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host === '')) {
    invalid('host', 'a non-empty string', o.host);
  }
  const hosts = o.allowedHosts;
  if (
    hosts !== undefined &&
    (!Array.isArray(hosts) || hosts.some((h) => typeof h !== 'string' || h === ''))
  ) {
    invalid('allowedHosts', 'an array of host names', hosts);
  }
}

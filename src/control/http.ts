/**
 * Small HTTP helpers for the control and inspector servers: JSON answers, JSON errors,
 * bounded bodies, listening, and the checks both make.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** Reads a JSON body of at most {@link BODY_LIMIT} bytes; an empty body is `null`. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT) {
    req.resume();
    throw new HttpError(413, 'BODY_TOO_LARGE', `The body is over ${BODY_LIMIT} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) {
      req.resume();
      throw new HttpError(413, 'BODY_TOO_LARGE', `The body is over ${BODY_LIMIT} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, 'BAD_JSON', `The body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Loopback names: binding elsewhere exposes the server, and they are always a valid Host. */
export const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

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
 * Checks the `port` and `host` options every server of ours takes; `invalid` throws the
 * caller's own error.
 */
export function checkPortAndHost(
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
}

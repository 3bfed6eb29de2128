/**
 * Small HTTP helpers for the control server: JSON answers, JSON errors, bounded bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

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

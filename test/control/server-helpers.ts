/**
 * Helpers for the control server tests: a real supervision tree behind a real server on
 * 127.0.0.1, raw HTTP requests (no keep-alive, any method, any header, chunked bodies), and
 * readers for JSON errors and Prometheus text.
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, expect, vi } from 'vitest';
import { type AnyActorRef, createActor, waitFor } from 'xstate';
import {
  type ControlServer,
  type ControlServerOptions,
  createControlServer,
  createSupervisor,
  getTree,
  type SupervisorOptions,
  shutdown,
  type TreeNode,
} from '../../src/index.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';

/** How long a wait on the real clock may take before the test fails (a loaded machine is slow). */
export const POLL = { timeout: 5_000, interval: 5 } as const;

/** Retries `assertion` until it passes (real timers: the server runs on real I/O). */
export function eventually<T>(assertion: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(assertion, POLL);
}

export interface Served {
  readonly actor: AnyActorRef;
  readonly logger: CapturingLogger;
  readonly server: ControlServer;
  /** `http://127.0.0.1:<port>`, whatever the host bound. */
  readonly url: string;
  readonly port: number;
}

const opened: Served[] = [];

/** Closes every server and shuts down every tree a test opened. Call once per test file. */
export function closeServedAfterEach(): void {
  afterEach(async () => {
    for (const s of opened.splice(0)) {
      await s.server.close();
      await shutdown(s.actor);
    }
  });
}

/**
 * Starts `createSupervisor(options)` with a capturing logger, waits until it runs, then starts
 * the control server on 127.0.0.1:0 (or as `server` says) with the same logger.
 */
export async function serve(
  options: Omit<SupervisorOptions, 'logger'>,
  server: Omit<ControlServerOptions, 'logger'> = {},
): Promise<Served> {
  const logger = createCapturingLogger();
  const actor = createActor(createSupervisor({ ...options, logger })).start();
  await waitFor(actor, (s) => (s as { matches(v: string): boolean }).matches('running'), {
    timeout: 5_000,
  });
  const control = await createControlServer(actor, { port: 0, ...server, logger });
  const port = Number(new URL(control.url).port);
  const served = { actor, logger, server: control, url: `http://127.0.0.1:${port}`, port };
  opened.push(served);
  return served;
}

/** The node at `path` (ids below the root) in `getTree(actor)`. */
export function nodeAt(actor: AnyActorRef, path: string): TreeNode {
  let node = getTree(actor);
  for (const id of path.split('/')) {
    const next = node.children?.find((c) => c.id === id);
    if (!next) throw new Error(`no node at "${path}"`);
    node = next;
  }
  return node;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json(): unknown;
}

export interface RequestOptions {
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Send the body in 64 KiB chunks without a content-length (chunked encoding). */
  readonly chunked?: boolean;
}

/** One request on its own connection (no keep-alive, so a closed server is really closed). */
export function http(
  base: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string> = { ...options.headers };
    if (body && !options.chunked) headers['content-length'] = String(body.length);
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as unknown,
          }),
        );
      },
    );
    req.on('error', reject);
    if (body && options.chunked) {
      for (let i = 0; i < body.length; i += 65_536) req.write(body.subarray(i, i + 65_536));
    } else if (body) {
      req.write(body);
    }
    req.end();
  });
}

/**
 * Writes `text` as it is on a raw socket (no Host unless it has one, any bytes at all) and
 * resolves the status of the answer's first line.
 */
export function rawStatus(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      answer += d;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', reject);
    socket.on('end', () => reject(new Error(`no status line in ${JSON.stringify(answer)}`)));
  });
}

/** `POST` with a JSON body (or none). */
export function post(base: string, path: string, data?: unknown, token?: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return http(base, 'POST', path, {
    headers,
    ...(data === undefined ? {} : { body: JSON.stringify(data) }),
  });
}

/** `GET`, with a bearer token when given. */
export function get(base: string, path: string, token?: string): Promise<Answer> {
  return http(base, 'GET', path, token === undefined ? {} : { headers: bearer(token) });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Asserts a JSON error answer `{ error: { code, message } }` and returns its message. */
export function expectError(answer: Answer, status: number, code: string): string {
  expect({ status: answer.status, body: answer.text }).toMatchObject({ status });
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = answer.json() as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

/** One sample of Prometheus text: `name{labels} value`, or undefined when it is not there. */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[l[1]!] = l[2]!;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

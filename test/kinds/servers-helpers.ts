/**
 * Helpers for the server kind tests: free ports, timed stops with their bounds, polls on real
 * I/O, and the supervision cases every kind runs (each strategy, with a fixed port that a
 * restart must bind again).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type AnyActorRef, createActor, waitFor } from 'xstate';
import {
  createService,
  getTree,
  type ServiceMachine,
  type Strategy,
  shutdown,
  type TreeNode,
} from '../../src/index.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import { HANG_GUARD } from '../helpers/real-time.ts';
import { nextReport, startSupervisor } from '../helpers/supervisor.ts';

/** A port that was free a moment ago (listen on 0, read the port, close). */
export async function freePort(): Promise<number> {
  const { port, close } = await holdPort();
  await close();
  return port;
}

/** Occupies a port on 127.0.0.1 (a free one by default) until `close()`; rejects if taken. */
export function holdPort(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      resolve({ port: bound, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** Waits until the actor's top-level state is `state`. */
export async function reachState(actor: AnyActorRef, state: string, timeout = 5_000) {
  await waitFor(actor, (s) => (s as { matches(v: string): boolean }).matches(state), { timeout });
}

export interface Alone {
  readonly actor: AnyActorRef;
  readonly logger: CapturingLogger;
  tree(): TreeNode;
  details(): Record<string, unknown>;
}

/** Starts a server service alone and waits until it is running (listening). */
export async function startAlone(
  make: (logger: CapturingLogger) => ServiceMachine,
): Promise<Alone> {
  const logger = createCapturingLogger();
  const actor = createActor(make(logger)).start();
  await reachState(actor, 'running');
  return {
    actor,
    logger,
    tree: () => getTree(actor),
    details: () => getTree(actor).details ?? {},
  };
}

/** How long a poll on real I/O may take before the test fails (a loaded machine is slow). */
export const POLL = { timeout: HANG_GUARD, interval: 5 } as const;

/** Retries `assertion` until it passes, within `POLL` (real timers: real sockets). */
export function eventually<T>(assertion: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(assertion, POLL);
}

/**
 * Stops the service and resolves with how long the stop took, in ms: for lower bounds, which
 * load cannot break, and for `HANG_GUARD`, never for margins over a deadline.
 */
export async function stopTimed(actor: AnyActorRef): Promise<number> {
  const start = performance.now();
  actor.send({ type: 'service.stop' });
  await waitFor(
    actor,
    (s) => (s as { matches(v: string): boolean }).matches('stopped') || s.status === 'done',
    { timeout: 2 * HANG_GUARD },
  );
  return performance.now() - start;
}

/**
 * Begins a stop that work in flight holds (a stream or HTTP server), and checks that it has
 * begun (the listener is closed) but not ended. `stopped` settles with the stop's duration,
 * after pushing `'stopped'` to `order`, so a test can show what came first.
 */
export async function beginHeldStop(
  s: Alone,
  order: string[],
): Promise<{ stopped: Promise<number> }> {
  const stopped = stopTimed(s.actor).then((elapsed) => {
    order.push('stopped');
    return elapsed;
  });
  await eventually(() => expect(s.details().listening).toBe(false));
  expect(s.tree().state).not.toBe('stopped');
  return { stopped };
}

/**
 * Keeps the event loop busy from `from` to `to` ms after `t0` (a `performance.now()` time),
 * as a machine whose cores are taken does to a process: every timer due meanwhile fires late,
 * all in one go.
 */
export function stallLoop(t0: number, from: number, to: number): void {
  setTimeout(() => {
    while (performance.now() - t0 < to) {
      // Busy on purpose: nothing else runs until `to`.
    }
  }, from);
}

/** The warn and error lines, with their error's message: what went wrong, in words. */
export function problems(logger: CapturingLogger): string[] {
  return logger.entries
    .filter((e) => e.level === 'warn' || e.level === 'error')
    .map((e) => {
      const err = e.fields.err;
      return err instanceof Error ? `${e.msg}: ${err.message}` : e.msg;
    });
}

/** Resolves after `ms` of real time (these tests use real sockets, so real time). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A kind under test for the supervision cases. */
export interface SupervisedKind {
  /** The server, with id `server`, on a fixed port. */
  make(port: number): ServiceMachine;
  /** One round trip to the server; resolves with its answer. */
  probe(port: number): Promise<string>;
  /** What `probe` answers. */
  readonly answer: string;
}

/** Which children the strategy restarts when `sibling` fails, with `[sibling, server]`. */
const RESTARTS_SERVER: Record<Strategy, boolean> = {
  'one-for-one': false,
  'one-for-all': true,
  'rest-for-one': true,
};

/**
 * Registers the supervision cases of a kind: under each strategy, a failing sibling restarts
 * the server as the strategy says, and the server listens again on the same fixed port.
 */
export function describeSupervised(kind: SupervisedKind): void {
  describe('under a supervisor', () => {
    for (const strategy of ['one-for-one', 'one-for-all', 'rest-for-one'] as const) {
      const restarted = RESTARTS_SERVER[strategy];
      it(`${strategy}: a failing sibling ${restarted ? 'restarts the server, which binds the same port again' : 'leaves the server listening at generation 0'}`, async () => {
        const port = await freePort();
        const sibling = createService({ id: 'sibling', minPeriod: 10, iterate() {} });
        const s = startSupervisor({ id: 'root', strategy, children: [sibling, kind.make(port)] });
        await reachState(s.actor, 'running');
        expect(await kind.probe(port)).toBe(kind.answer);

        const settled = nextReport(s.actor, 'child.restarted', (r) =>
          restarted ? r.id === 'server' : r.id === 'sibling',
        );
        s.actor.send({ type: 'child.fail', id: 'sibling', error: new Error('sibling broke') });
        await settled;
        await waitFor(
          s.actor,
          () => getTree(s.actor).children?.every((c) => c.state === 'running') ?? false,
          { timeout: 5_000 },
        );

        const server = getTree(s.actor).children?.find((c) => c.id === 'server');
        expect(server?.generation).toBe(restarted ? 1 : 0);
        expect(server?.details?.port).toBe(port);
        expect(server?.details?.listening).toBe(true);
        expect(await kind.probe(port)).toBe(kind.answer);
        expect(problems(s.logger).filter((m) => /EADDRINUSE|listen/.test(m))).toEqual([]);
        expect(s.reports.some((r) => r.type === 'child.failed' && r.id === 'server')).toBe(false);
        await shutdown(s.actor);
      });
    }

    it('one-for-all: a server on port 0 listens again on the port the system chose at its first listen', async () => {
      const sibling = createService({ id: 'sibling', minPeriod: 10, iterate() {} });
      const s = startSupervisor({
        id: 'root',
        strategy: 'one-for-all',
        children: [sibling, kind.make(0)],
      });
      await reachState(s.actor, 'running');
      const server = () => getTree(s.actor).children?.find((c) => c.id === 'server');
      const port = server()?.details?.port as number;
      expect(port).toBeGreaterThan(0);
      expect(await kind.probe(port)).toBe(kind.answer);

      const settled = nextReport(s.actor, 'child.restarted', (r) => r.id === 'server');
      s.actor.send({ type: 'child.fail', id: 'sibling', error: new Error('sibling broke') });
      await settled;
      expect(server()).toMatchObject({ state: 'running', generation: 1 });
      expect(server()?.details).toMatchObject({ port, listening: true });
      expect(await kind.probe(port)).toBe(kind.answer);
      await shutdown(s.actor);
    });

    it('rest-for-one: a failing sibling declared after the server leaves it alone', async () => {
      const port = await freePort();
      const sibling = createService({ id: 'sibling', minPeriod: 10, iterate() {} });
      const s = startSupervisor({
        id: 'root',
        strategy: 'rest-for-one',
        children: [kind.make(port), sibling],
      });
      await reachState(s.actor, 'running');
      const settled = nextReport(s.actor, 'child.restarted', (r) => r.id === 'sibling');
      s.actor.send({ type: 'child.fail', id: 'sibling' });
      await settled;
      const server = getTree(s.actor).children?.find((c) => c.id === 'server');
      expect(server?.generation).toBe(0);
      expect(await kind.probe(port)).toBe(kind.answer);
      await shutdown(s.actor);
    });
  });
}

/** What a stream client saw: the bytes, and how the connection ended. */
export interface Exchange {
  readonly data: string;
  /** 'end': the server ended it cleanly (EOF); otherwise the error code (ECONNRESET). */
  readonly ending: string;
}

/**
 * Writes `message` (if any) on a connected stream socket and collects what comes back until
 * the connection ends, cleanly or not.
 */
export function exchange(
  socket: import('node:net').Socket,
  message?: string,
  ready: 'connect' | 'secureConnect' = 'connect',
): Promise<Exchange> {
  return new Promise((resolve) => {
    let data = '';
    let ending = 'close';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('end', () => {
      ending = 'end';
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      ending = e.code ?? e.message;
    });
    socket.on('close', () => resolve({ data, ending }));
    if (message !== undefined) socket.once(ready, () => socket.write(message));
  });
}

/**
 * A throwaway self-signed certificate for localhost / 127.0.0.1, made with openssl into a
 * temporary directory (removed at once). Test use only.
 */
export function makeTestCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'xstate-supervisor-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

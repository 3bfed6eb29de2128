/**
 * run() as a process sees it: kept alive, signals during the start, `done` before the exit,
 * and the queues' leftovers at the deadline. Real Node processes and real signals.
 */
import { describe, expect, it } from 'vitest';
import { startNode } from '../helpers/node-process.ts';

const IDLE = 'test/fixtures/run/idle-workers.ts';
const SLOW_START = 'test/fixtures/run/slow-start.ts';
const DEADLINE = 'test/fixtures/run/queue-deadline.ts';
const DELAY = 'test/fixtures/run/shutdown-delay.ts';

describe('run() keeps the process', () => {
  it('keeps a tree of idle queue and event workers alive until a signal, then runs onStop and exits 0', async () => {
    const app = startNode(IDLE);
    await app.output('ready');
    await app.output('still alive');
    app.child.kill('SIGTERM');
    const { code, stdout } = await app.exited;
    expect(stdout).toContain('flush: onStop ran');
    expect(stdout).toContain('jobs: onStop ran');
    expect(code).toBe(0);
  });

  it('lets `await handle.done` run before it exits (exit: true)', async () => {
    const app = startNode(IDLE);
    await app.output('ready');
    app.child.kill('SIGINT');
    const { code, stdout } = await app.exited;
    expect(stdout).toContain('after done 0 signal');
    expect(code).toBe(0);
  });
});

describe('run() and a signal during the start', () => {
  it('handles SIGTERM while a child is starting: stops what started, onStop runs, exit 0', async () => {
    const app = startNode(SLOW_START);
    await app.output('second: starting');
    app.child.kill('SIGTERM');
    const { code, signal, stdout, stderr } = await app.exited;
    expect(signal).toBeNull();
    expect(stderr).toContain('signal received while starting; stopping what has started');
    expect(stdout).toContain('first: onStop ran');
    // Stopped in reverse start order once the start sequence is over.
    expect(stdout.indexOf('second: onStop ran')).toBeLessThan(stdout.indexOf('first: onStop ran'));
    expect(stderr).not.toContain('running; press Ctrl+C');
    expect(code).toBe(0);
  });

  it('skips shutdownDelay when the signal comes during the start: nothing was ready', async () => {
    // A delay the test could never wait out: a run that applied it would be killed by the guard.
    const app = startNode(SLOW_START, { SHUTDOWN_DELAY: '600000' });
    await app.output('second: starting');
    app.child.kill('SIGTERM');
    const { code, stdout, stderr } = await app.exited;
    expect(stderr).not.toContain('readiness now fails');
    expect(stdout).toContain('first: onStop ran');
    expect(code).toBe(0);
  });
});

describe('run() with shutdownDelay (Kubernetes, load balancers)', () => {
  /** GETs `/readyz` until it answers 503; resolves with that body and what stdout held then. */
  async function untilNotReady(url: string, stdoutNow: () => string) {
    for (;;) {
      const response = await fetch(`${url}/readyz`);
      const body = (await response.json()) as Record<string, unknown>;
      if (response.status === 503) return { body, stdoutThen: stdoutNow() };
    }
  }

  it('on SIGTERM, turns /readyz red first and only then drains, with /livez green meanwhile; exit 0', async () => {
    const app = startNode(DELAY, { SHUTDOWN_DELAY: '1500' });
    let stdout = '';
    app.child.stdout?.on('data', (d: Buffer | string) => {
      stdout += String(d);
    });
    await app.output('control http://');
    const url = /control (http:\/\/\S+)/.exec(stdout)?.[1] ?? '';
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    app.child.kill('SIGTERM');
    const { body, stdoutThen } = await untilNotReady(url, () => stdout);
    // Order, not time: readiness was red while the drain had not stopped anything yet.
    expect(body).toMatchObject({ ready: false, shuttingDown: true });
    expect(stdoutThen).not.toContain('drain: onStop ran');
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    const { code, stderr } = await app.exited;
    expect(stdout).toContain('drain: onStop ran');
    const red = stderr.indexOf('readiness now fails');
    expect(red).toBeGreaterThan(-1);
    expect(red).toBeLessThan(stderr.indexOf('shutdown complete'));
    expect(code).toBe(0);
  });
});

/** The counts the deadline fixture writes at its exit. */
function counts(stdout: string): { handled: number; discarded: number } {
  const m = /handled=(\d+) discarded=(\d+)/.exec(stdout);
  if (!m) throw new Error(`no counts in:\n${stdout}`);
  return { handled: Number(m[1]), discarded: Number(m[2]) };
}

describe('run() at the shutdownTimeout deadline', () => {
  it('hands every job not handled to onDiscard, logs their count, then exits 70', async () => {
    const app = startNode(DEADLINE);
    await app.output('ready');
    app.child.kill('SIGTERM');
    const { code, stdout, stderr } = await app.exited;
    const { handled, discarded } = counts(stdout);
    expect(handled + discarded).toBe(1_000);
    expect(discarded).toBeGreaterThan(0);
    expect(stderr).toContain(`${discarded} unprocessed task(s) handed to onDiscard`);
    expect(stderr).toContain('shutdown overran shutdownTimeout; exiting with code 70');
    expect(code).toBe(70);
  });

  it('without onDiscard, logs how many jobs are left before it exits 70', async () => {
    const app = startNode(DEADLINE, { ON_DISCARD: '0' });
    await app.output('ready');
    app.child.kill('SIGTERM');
    const { code, stdout, stderr } = await app.exited;
    const { handled } = counts(stdout);
    const left = Number(/unprocessed=(\d+)/.exec(stderr)?.[1]);
    expect(left).toBeGreaterThan(0);
    expect(handled + left).toBe(1_000);
    expect(stderr).toContain('[root/jobs] shutdownTimeout ran out with');
    expect(code).toBe(70);
  });
});

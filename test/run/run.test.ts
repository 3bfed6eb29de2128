import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createService,
  getTree,
  type RunHandle,
  run,
  type ServiceOptions,
} from '../../src/index.ts';
import { advance, settle, sleep } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';
import { startNode } from '../helpers/node-process.ts';
import { HANG_GUARD } from '../helpers/real-time.ts';

const EXAMPLE = 'examples/lone-service/main.ts';

/** Runs the lone-service example in a real Node process. */
const startExample = (env: Record<string, string>) => startNode(EXAMPLE, env);

describe('run() in a real process (examples/lone-service)', () => {
  it('shuts down gracefully on SIGTERM: onStop runs, "shutdown complete", exit code 0', async () => {
    const app = startExample({ PERIOD: '100' });
    await app.output('running; press Ctrl+C to stop');
    await app.output('tick 1');
    app.child.kill('SIGTERM');
    const { code, stdout, stderr } = await app.exited;
    expect(stderr).toContain('signal received; shutting down gracefully signal=SIGTERM');
    expect(stdout).toContain('onStart ran (generation 0)');
    expect(stdout).toContain('onStop ran');
    expect(stderr).toContain('shutdown complete');
    expect(stderr).toContain('root=heartbeat');
    expect(code).toBe(0);
  });

  it('exits 70 when onStop hangs longer than shutdownTimeout', async () => {
    // onStop and gracePeriod far longer than the test may take: a shutdown that waited for
    // either could not end in time, however loaded the machine (decision 0047).
    const app = startExample({
      PERIOD: '100',
      ON_STOP_DELAY: '600000',
      GRACE_PERIOD: '1200000',
      SHUTDOWN_TIMEOUT: '300',
    });
    await app.output('running; press Ctrl+C to stop');
    const signalled = performance.now();
    app.child.kill('SIGTERM');
    const { code, stdout, stderr } = await app.exited;
    const took = performance.now() - signalled;
    expect(stderr).toContain('shutdown overran shutdownTimeout; exiting with code 70');
    expect(stdout).not.toContain('onStop ran');
    expect(code).toBe(70);
    // It did not wait for onStop (10 min) nor for gracePeriod (20 min); the bound is only a
    // hang guard, under the helper's 15 s kill, so a hang fails here and not as a timeout.
    expect(took).toBeLessThan(2 * HANG_GUARD);
  });

  it('exits 1 when the root fails', async () => {
    const app = startExample({ PERIOD: '20', FAIL: '1' });
    const { code, stdout, stderr } = await app.exited;
    expect(stderr).toContain('iteration failed');
    expect(stderr).toContain('the root failed; exiting with code 1');
    expect(stderr.split('the root failed').length - 1).toBe(1);
    expect(stdout).toContain('onStop ran');
    expect(code).toBe(1);
  });
});

describe('run() in process', () => {
  let handle: RunHandle | undefined;
  let logger: CapturingLogger;
  let listenersBefore: { SIGINT: number; SIGTERM: number };

  function service(options: Partial<ServiceOptions> = {}) {
    return createService({ id: 'app', pause: 100, iterate() {}, ...options });
  }

  beforeEach(() => {
    vi.useFakeTimers();
    logger = createCapturingLogger();
    listenersBefore = {
      SIGINT: process.listenerCount('SIGINT'),
      SIGTERM: process.listenerCount('SIGTERM'),
    };
  });
  afterEach(async () => {
    handle?.actor.stop();
    handle = undefined;
    vi.useRealTimers();
  });

  function expectHandlersRemoved() {
    expect(process.listenerCount('SIGINT')).toBe(listenersBefore.SIGINT);
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore.SIGTERM);
  }

  it('installs SIGINT/SIGTERM handlers at once and says so once the service is running', async () => {
    handle = run(service(), { exit: false, logger });
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore.SIGTERM + 1);
    await settle();
    expect(getTree(handle.actor).state).toBe('running');
    expect(process.listenerCount('SIGINT')).toBe(listenersBefore.SIGINT + 1);
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore.SIGTERM + 1);
    expect(logger.find('running; press Ctrl+C to stop')[0]?.fields).toEqual({ root: 'app' });
  });

  it('stop() resolves once stopped, and done gives exit code 0', async () => {
    const onStop = vi.fn();
    handle = run(service({ onStop }), { exit: false, logger });
    await settle();
    await handle.stop();
    expect(onStop).toHaveBeenCalledOnce();
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'stopped' });
    expect(getTree(handle.actor).state).toBe('stopped');
    expect(logger.find('shutdown complete')).toHaveLength(1);
    expectHandlersRemoved();
  });

  it('shuts down on SIGTERM with exit code 0', async () => {
    handle = run(service(), { exit: false, logger });
    await settle();
    process.emit('SIGTERM', 'SIGTERM');
    await settle();
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'signal' });
    expectHandlersRemoved();
  });

  it('gives exit code 70 when the shutdown overruns shutdownTimeout', async () => {
    handle = run(service({ gracePeriod: 60_000, onStop: () => sleep(30_000) }), {
      exit: false,
      logger,
      shutdownTimeout: 1_000,
    });
    await settle();
    process.emit('SIGINT', 'SIGINT');
    await advance(999);
    let result: unknown;
    void handle.done.then((r) => {
      result = r;
    });
    await settle();
    expect(result).toBeUndefined();
    await advance(1);
    expect(result).toEqual({ exitCode: 70, reason: 'timeout' });
    expect(logger.find('overran shutdownTimeout')[0]?.level).toBe('error');
    expectHandlersRemoved();
    await advance(60_000);
  });

  it('gives exit code 70 at once on a second signal during the shutdown', async () => {
    handle = run(service({ onStop: () => sleep(3_000) }), { exit: false, logger });
    await settle();
    process.emit('SIGTERM', 'SIGTERM');
    await advance(100);
    process.emit('SIGTERM', 'SIGTERM');
    await settle();
    await expect(handle.done).resolves.toEqual({ exitCode: 70, reason: 'timeout' });
    await advance(5_000);
  });

  it('gives exit code 1 with the error when the root fails, and logs it once', async () => {
    handle = run(
      service({
        maxFailures: 1,
        iterate() {
          throw new Error('root is broken');
        },
      }),
      { exit: false, logger },
    );
    await advance(500);
    const result = await handle.done;
    expect(result).toMatchObject({ exitCode: 1, reason: 'failed' });
    expect(result.error?.message).toBe('root is broken');
    expect(result.error?.stack).toContain('run.test.ts');
    expect(logger.find('the root failed')).toHaveLength(1);
    expectHandlersRemoved();
  });

  it('gives exit code 1 when the root fails to start', async () => {
    handle = run(
      service({
        onStart() {
          throw new Error('no database');
        },
      }),
      { exit: false, logger },
    );
    await settle();
    await expect(handle.done).resolves.toMatchObject({ exitCode: 1, reason: 'failed' });
    expectHandlersRemoved();
  });

  it('ends with exit code 0 when the root stops on its own', async () => {
    handle = run(service({ iterate: (ctx) => ctx.stop() }), { exit: false, logger });
    await settle();
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'stopped' });
    expect(logger.find('the root stopped on its own')).toHaveLength(1);
    expectHandlersRemoved();
  });

  it('settles done and removes its signal handlers when the actor is stopped directly', async () => {
    const onStop = vi.fn();
    handle = run(service({ onStop }), { exit: false, logger });
    await settle();
    handle.actor.stop();
    await settle();
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'stopped' });
    expect(onStop).toHaveBeenCalledOnce();
    expectHandlersRemoved();
  });

  it('with shutdownDelay, keeps serving for the delay after SIGTERM, then drains (simulated time)', async () => {
    const onStop = vi.fn();
    handle = run(service({ onStop }), { exit: false, logger, shutdownDelay: 5_000 });
    await settle();
    process.emit('SIGTERM', 'SIGTERM');
    await advance(4_999);
    expect(getTree(handle.actor).state).toBe('running');
    expect(onStop).not.toHaveBeenCalled();
    expect(logger.find('readiness now fails')[0]?.fields).toEqual({ shutdownDelay: 5_000 });
    await advance(1);
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'signal' });
    expect(onStop).toHaveBeenCalledOnce();
    expectHandlersRemoved();
  });

  it('ends with 70 on a second signal during shutdownDelay, without waiting it out', async () => {
    handle = run(service(), { exit: false, logger, shutdownDelay: 60_000 });
    await settle();
    process.emit('SIGTERM', 'SIGTERM');
    await advance(10);
    process.emit('SIGTERM', 'SIGTERM');
    await settle();
    await expect(handle.done).resolves.toEqual({ exitCode: 70, reason: 'timeout' });
    expectHandlersRemoved();
  });

  it('stop() does not wait for shutdownDelay: only signals and POST /shutdown do', async () => {
    handle = run(service(), { exit: false, logger, shutdownDelay: 60_000 });
    await settle();
    await handle.stop();
    await expect(handle.done).resolves.toEqual({ exitCode: 0, reason: 'stopped' });
    expect(logger.find('readiness now fails')).toHaveLength(0);
  });

  it('passes its logger to a service that has none', async () => {
    handle = run(
      service({
        iterate() {
          throw new Error('logged through run()');
        },
      }),
      { exit: false, logger },
    );
    await settle();
    expect(logger.find('iteration failed')[0]?.fields).toMatchObject({ service: 'app' });
  });
});

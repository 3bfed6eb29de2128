/**
 * One log line per failure, with its stack once (decision 0095), and one line per kill,
 * without a stack (decision 0049), whichever logger the tree logs through: the console logger
 * (pretty and JSON) and a real pino logger, whose serializer writes `err`'s stack every time
 * it is given one.
 */
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { type Actor, createActor, fromPromise, setup } from 'xstate';
import {
  createConsoleLogger,
  createService,
  createSupervisor,
  type Logger,
  type RunHandle,
  run,
  type SupervisorMachine,
  supervise,
} from '../../src/index.ts';

/** One event as a logger wrote it: its level (pino's numbers), its message, the whole text. */
interface Written {
  readonly level: number;
  readonly msg: string;
  readonly raw: string;
}

const PRETTY_LEVEL: Record<string, number> = { DEBUG: 20, INFO: 30, WARN: 40, ERROR: 50 };

/** The loggers under test, each writing into `out` at level debug (so nothing hides). */
const LOGGERS: Record<string, (out: Written[]) => Logger> = {
  'the console logger (pretty)': (out) =>
    createConsoleLogger({
      level: 'debug',
      format: 'pretty',
      write: (raw) => {
        const m = /^\S+ (DEBUG|INFO|WARN|ERROR)\s+(?:\[[^\]]*\] )?(.*)/.exec(raw)!;
        out.push({ level: PRETTY_LEVEL[m[1]!]!, msg: m[2]!, raw });
      },
    }),
  'the console logger (json)': (out) =>
    createConsoleLogger({
      level: 'debug',
      format: 'json',
      write: (raw) => {
        const line = JSON.parse(raw) as { level: number; msg: string };
        out.push({ level: line.level, msg: line.msg, raw });
      },
    }),
  pino: (out) =>
    pino(
      { level: 'debug' },
      {
        write: (raw: string) => {
          const line = JSON.parse(raw) as { level: number; msg: string };
          out.push({ level: line.level, msg: line.msg, raw });
        },
      },
    ),
};

/** How many times `frame` (a function only the failing code has) is written in the log. */
function stacksOf(out: readonly Written[], frame: string): number {
  return out.reduce((n, w) => n + w.raw.split(frame).length - 1, 0);
}

/** The messages of the lines at warn or above, in order. */
function loud(out: readonly Written[]): string[] {
  return out.filter((w) => w.level >= 40).map((w) => w.msg);
}

/** Resolves at the first `child.restarted` whose path is `path` (bounded by the test). */
function nextRestart(handle: RunHandle<Actor<SupervisorMachine>>, path: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = handle.actor.on('child.restarted', (r) => {
      if (r.path.join('/') !== path) return;
      sub.unsubscribe();
      resolve();
    });
  });
}

function failingOnce(id: string): ReturnType<typeof createService> {
  let calls = 0;
  function failTheIteration(): void {
    throw new Error('upstream down');
  }
  return createService({
    id,
    pause: 1,
    maxFailures: 0,
    iterate() {
      calls++;
      if (calls === 1) failTheIteration();
    },
  });
}

async function runUntilRestarted(root: SupervisorMachine, logger: Logger, path: string) {
  const handle = run(root, { exit: false, logger });
  await handle.ready;
  const restarted = nextRestart(handle, path);
  await restarted;
  await handle.stop();
  expect((await handle.done).exitCode).toBe(0);
}

describe.each(Object.entries(LOGGERS))('with %s', (_name, make) => {
  it('a service failing under a supervisor gives one line, with the stack once', async () => {
    const out: Written[] = [];
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [failingOnce('flaky')],
    });
    await runUntilRestarted(root, make(out), 'flaky');
    expect(loud(out)).toEqual([expect.stringMatching(/^iteration failed/)]);
    expect(stacksOf(out, 'failTheIteration')).toBe(1);
    // The supervisor's decision is still logged, with the reason's message.
    const restarted = out.find((w) => w.msg.startsWith('child.restarted'));
    expect(restarted?.raw).toContain('upstream down');
  }, 20_000);

  it('a failed start gives its stack once; the rollback and the exit say why without it', async () => {
    const out: Written[] = [];
    function refuseTheStart(): never {
      throw new Error('port taken');
    }
    const root = createSupervisor({
      id: 'root',
      children: [
        createService({ id: 'db', pause: 1_000, iterate() {} }),
        createService({ id: 'api', pause: 1_000, iterate() {}, onStart: refuseTheStart }),
      ],
    });
    const { exitCode } = await run(root, { exit: false, logger: make(out) }).done;
    expect(exitCode).toBe(1);
    expect(loud(out)).toEqual([
      expect.stringMatching(/^onStart threw; the start failed/),
      expect.stringMatching(/^a child failed to start; started children stopped in reverse order/),
      expect.stringMatching(/^the root failed; exiting with code 1/),
    ]);
    expect(stacksOf(out, 'refuseTheStart')).toBe(1);
    const exit = out.find((w) => w.msg.startsWith('the root failed'))!;
    expect(exit.raw).toContain('CHILD_START_FAILED');
    expect(exit.raw).toContain('port taken');
  }, 20_000);

  it('an escalation keeps its own line, without repeating the stack', async () => {
    const out: Written[] = [];
    const workers = createSupervisor({
      id: 'workers',
      strategy: 'one-for-one',
      maxRestarts: 0,
      children: [failingOnce('flaky')],
    });
    const root = createSupervisor({ id: 'root', strategy: 'one-for-one', children: [workers] });
    await runUntilRestarted(root, make(out), 'workers');
    expect(loud(out)).toEqual([
      expect.stringMatching(/^iteration failed/),
      expect.stringMatching(/^restart intensity exceeded; stopping all children and failing/),
    ]);
    expect(stacksOf(out, 'failTheIteration')).toBe(1);
    expect(out.find((w) => w.msg.startsWith('restart intensity exceeded'))?.raw).toContain(
      'INTENSITY_EXCEEDED',
    );
  }, 20_000);

  it('your own machine failing is logged by its supervisor, with the stack, once', async () => {
    const out: Written[] = [];
    let starts = 0;
    function dropTheConnection(): void {
      throw new Error('connection dropped');
    }
    const connection = setup({
      actions: {
        count: () => {
          starts++;
        },
        drop: () => {
          if (starts === 1) dropTheConnection();
        },
      },
    }).createMachine({
      id: 'connection',
      initial: 'connected',
      entry: 'count',
      states: {
        connected: { tags: ['ready'], after: { 5: 'dropping' } },
        dropping: { entry: 'drop', always: 'idle' },
        idle: { tags: ['ready'] },
      },
    });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [supervise(connection, { ready: 'ready' })],
    });
    await runUntilRestarted(root, make(out), 'connection');
    expect(loud(out)).toEqual([expect.stringMatching(/^child\.failed/)]);
    expect(out.find((w) => w.msg.startsWith('child.failed'))?.level).toBe(50);
    expect(stacksOf(out, 'dropTheConnection')).toBe(1);
  }, 20_000);

  it('your own actor failing again with the same error object gets a line each time, with the stack once', async () => {
    const out: Written[] = [];
    function refuseTheConnection(): Error {
      return new Error('upstream not ready');
    }
    const notReady = refuseTheConnection(); // one instance, as a cached connect error is
    let attempts = 0;
    const fetcher = fromPromise(async ({ signal }) => {
      attempts++;
      if (attempts <= 3) throw notReady;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    });
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [supervise(fetcher, { id: 'fetcher' })],
    });
    const handle = run(root, { exit: false, logger: make(out) });
    await handle.ready;
    await new Promise<void>((resolve) => {
      let restarts = 0;
      const sub = handle.actor.on('child.restarted', () => {
        if (++restarts < 3) return;
        sub.unsubscribe();
        resolve();
      });
    });
    await handle.stop();
    expect((await handle.done).exitCode).toBe(0);
    const failed = out.filter((w) => w.msg.startsWith('child.failed'));
    expect(failed.map((w) => w.level)).toEqual([50, 50, 50]);
    expect(stacksOf(out, 'refuseTheConnection')).toBe(1);
  }, 20_000);

  it('a service killed at its stop gives one line, with its grace period and no stack', async () => {
    const out: Written[] = [];
    const stuck = hangingService('stuck');
    const workers = createSupervisor({ id: 'workers', children: [stuck.service] });
    const root = createSupervisor({ id: 'root', children: [workers] });
    const handle = run(root, { exit: false, logger: make(out) });
    await handle.ready;
    await stuck.inIteration;
    await handle.stop();
    stuck.release();
    expect((await handle.done).exitCode).toBe(0);
    expect(loud(out)).toEqual([expect.stringMatching(/^generation killed/)]);
    const kill = out.find((w) => w.msg.startsWith('generation killed'))!;
    expect(kill.level).toBe(40);
    for (const part of ['workers/stuck', 'generation', 'gracePeriod', '20', 'KILLED']) {
      expect(kill.raw).toContain(part);
    }
    // No stack of the package's own: the kill is a fact, not a throw in the user's code.
    expect(out.some((w) => w.raw.includes('KilledError'))).toBe(false);
    // The supervisor's report is still written, at debug, saying why it stopped the child.
    const report = out.find((w) => w.msg.startsWith('child.killed'))!;
    expect(report.level).toBe(20);
    expect(report.raw).toContain('supervisor stopping');
  }, 20_000);

  it('a service killed on its own (no supervisor) still warns once, without a stack', async () => {
    const out: Written[] = [];
    const stuck = hangingService('alone');
    const logger = make(out);
    const actor = createActor(stuck.service, { input: { logger } }).start();
    await stuck.inIteration;
    actor.stop();
    await vi.waitFor(() => expect(loud(out)).not.toEqual([]), { timeout: 10_000 });
    stuck.release();
    expect(loud(out)).toEqual([expect.stringMatching(/^generation killed/)]);
    expect(out.find((w) => w.msg.startsWith('generation killed'))!.raw).toContain('gracePeriod');
    expect(out.some((w) => w.raw.includes('KilledError'))).toBe(false);
  }, 20_000);

  it('your own machine killed at its stop gives one line from its supervisor, with its grace period', async () => {
    const out: Written[] = [];
    const deaf = setup({}).createMachine({ id: 'deaf', initial: 'open', states: { open: {} } });
    const workers = createSupervisor({
      id: 'workers',
      children: [supervise(deaf, { stop: { type: 'deaf.close' }, gracePeriod: 20 })],
    });
    const root = createSupervisor({ id: 'root', children: [workers] });
    const handle = run(root, { exit: false, logger: make(out) });
    await handle.ready;
    await handle.stop();
    expect((await handle.done).exitCode).toBe(0);
    expect(loud(out)).toEqual([expect.stringMatching(/^child\.killed/)]);
    const kill = out.find((w) => w.msg.startsWith('child.killed'))!;
    for (const part of ['root/workers', 'deaf', 'generation', 'gracePeriod', '20']) {
      expect(kill.raw).toContain(part);
    }
    expect(kill.raw).toContain('supervisor stopping');
  }, 20_000);

  it('your own machine failing while it is stopped is logged once, with its stack, and ends stopped', async () => {
    const out: Written[] = [];
    const root = createSupervisor({
      id: 'root',
      children: [supervise(connection, { stop: { type: 'connection.close' } })],
    });
    const handle = run(root, { exit: false, logger: make(out) });
    await handle.ready;
    const stopped = new Promise<string>((resolve) => {
      handle.actor.on('child.stopped', (r) => resolve(r.id));
    });
    await handle.stop();
    expect(await stopped).toBe('connection');
    expect((await handle.done).exitCode).toBe(0);
    expect(loud(out)).toEqual([expect.stringMatching(/^the actor failed while stopping/)]);
    expect(stacksOf(out, 'closeTheSocket')).toBe(1);
    expect(out.some((w) => w.msg.startsWith('child.failed'))).toBe(false);
  }, 20_000);

  it('your own machine failing while a child.fail stops it: each error and its stack once', async () => {
    const out: Written[] = [];
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [supervise(connection, { stop: { type: 'connection.close' } })],
    });
    const handle = run(root, { exit: false, logger: make(out) });
    await handle.ready;
    const restarted = nextRestart(handle, 'connection');
    function failTheConnection(): Error {
      return new Error('stale data');
    }
    handle.actor.send({ type: 'child.fail', id: 'connection', error: failTheConnection() });
    await restarted;
    await handle.stop();
    expect((await handle.done).exitCode).toBe(0);
    // The stop's own failure (twice: the command's stop, then the shutdown's), then the
    // command's failure, the one the supervisor restarts for.
    expect(loud(out)).toEqual([
      expect.stringMatching(/^the actor failed while stopping/),
      expect.stringMatching(/^child\.failed/),
      expect.stringMatching(/^the actor failed while stopping/),
    ]);
    expect(stacksOf(out, 'failTheConnection')).toBe(1);
    expect(stacksOf(out, 'closeTheSocket')).toBe(2);
  }, 20_000);
});

function closeTheSocket(): never {
  throw new Error('socket already closed');
}

/** Your own machine whose stop event (`connection.close`) throws in `closeTheSocket`. */
const connection = setup({ actions: { close: () => closeTheSocket() } }).createMachine({
  id: 'connection',
  initial: 'open',
  states: { open: { on: { 'connection.close': { actions: 'close' } } } },
});

/**
 * A service whose iteration ignores its signal until `release()`: its stop overruns its
 * 20 ms grace period and it is killed. `inIteration` resolves once an iteration hangs.
 */
function hangingService(id: string) {
  let release!: () => void;
  const hung = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered!: () => void;
  const inIteration = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const service = createService({
    id,
    gracePeriod: 20,
    pause: 1,
    async iterate() {
      entered();
      await hung;
    },
  });
  return { service, release, inIteration };
}

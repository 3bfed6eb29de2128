/**
 * `createTestSystem()`: a supervision tree run on simulated time, with its reports and logs
 * kept, for users' tests (SPEC §9).
 */
import { type Clock as FakeClock, install } from '@sinonjs/fake-timers';
import { sourceOf } from '../actors/own-runtime.ts';
import { shutdown as shutdownTree } from '../actors/shutdown.ts';
import { getTree } from '../actors/tree.ts';
import { locate } from '../control/resolve.ts';
import { toError } from '../core/errors.ts';
import type { SupervisorReport, SupervisorReportType } from '../core/reports.ts';
import type { TreeNode } from '../core/tree-node.ts';
import { type AnyActorRef, type AnyStateMachine, createActor } from '../internal/xstate.ts';
import { captureLogger, type LogRecord } from './capture-logger.ts';
import { TestSystemError } from './test-system-error.ts';
import { inState, nodeAt, treeText } from './tree-text.ts';

const REPORT_TYPES: readonly SupervisorReportType[] = [
  'child.started',
  'child.failed',
  'child.restarted',
  'child.stopped',
  'child.killed',
  'supervisor.intensity-exceeded',
];

/** What is faked: the clock and the timers. Immediates, nextTick and microtasks stay real. */
const FAKED = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'Date',
  'performance',
  'hrtime',
] as const;

/**
 * Real event-loop turns at most given to the work a step of simulated time started, while
 * some of it still waits on a `setImmediate` (a back-to-back loop never stops yielding).
 */
const MAX_SETTLE_TURNS = 100;
/** The part of @sinonjs/fake-timers' internal timer heap read to find the next timer. */
interface TimerHeap {
  peek(): { callAt: number } | undefined;
}

/** Timers fired at one simulated instant before the system calls it a runaway loop. */
const MAX_TIMERS_PER_INSTANT = 100_000;

/**
 * Options of {@link createTestSystem}.
 *
 * @example
 * ```ts
 * const t = createTestSystem(root, { now: Date.parse('2026-03-29T00:30:00Z'), timeout: 60_000 });
 * ```
 */
export interface TestSystemOptions {
  /**
   * The simulated wall clock at creation (`Date.now()`, `new Date()` and cron read it).
   * @default the real time at creation
   */
  now?: number | Date;
  /**
   * The simulated time, in ms, that `start()`, `waitFor()` and `shutdown()` may advance before
   * they give up with a `WAIT_TIMEOUT` error.
   * @default 600_000 (ten simulated minutes)
   */
  timeout?: number;
}

/**
 * A report as the test system keeps it: the supervisor's report plus the simulated
 * `Date.now()` at which it was emitted, so a test can check when a decision happened.
 *
 * @example
 * ```ts
 * const restarts = t.reports.filter((r: TimedReport) => r.type === 'child.restarted').map((r) => r.time);
 * ```
 */
export interface TimedReport extends SupervisorReport {
  /** The simulated `Date.now()` when the report was emitted. */
  readonly time: number;
}

/** Options of {@link TestSystem.waitFor}. */
export interface WaitForOptions {
  /**
   * Simulated ms to advance at most before failing with `WAIT_TIMEOUT`.
   * @default the system's `timeout`
   */
  timeout?: number;
}

/**
 * A path to a node: ids below the root, as an array or joined with `/` (`'workers/poller'`).
 * The empty path (`[]` or `''`) is the root.
 *
 * @example
 * ```ts
 * const path: TreePath = 'workers/poller'; // same as ['workers', 'poller']
 * ```
 */
export type TreePath = string | readonly string[];

/**
 * A supervision tree running on simulated time. Made by {@link createTestSystem}.
 *
 * Gotchas: while it exists, `setTimeout`, `setInterval`, `Date` and `performance.now` of the
 * whole process are simulated, so only one test system can exist at a time, and the test
 * runner's own fake timers must be off. Always end it with `shutdown()` (in `afterEach`), which
 * restores the real clock even when the shutdown fails. Work that waits on real I/O (a socket,
 * a file) is not driven by simulated time: `advance` lets promise chains and `setImmediate` hops
 * run to their end before time moves on, but does not wait for I/O.
 *
 * @example
 * ```ts
 * const t = createTestSystem(root);
 * await t.start();
 * await t.advance(60_000);
 * assert.deepEqual(t.reports.map((r) => r.type), ['child.started']);
 * await t.shutdown();
 * ```
 */
export interface TestSystem {
  /** The root actor, once `start()` was called. */
  readonly actor: AnyActorRef | undefined;
  /** Every report of the tree, in the order it was emitted (paths relative to the root). */
  readonly reports: readonly TimedReport[];
  /** Every log record of the tree, in order. */
  readonly logs: readonly LogRecord[];
  /** The simulated `Date.now()`. */
  now(): number;
  /**
   * How many simulated timers are pending (`setTimeout`, `setInterval`, XState delays), so a
   * test can check that a stop left nothing scheduled. Before `shutdown()` only.
   */
  pendingTimers(): number;
  /**
   * Starts the root and resolves once it is running, advancing simulated time as the starts
   * need it. Rejects with `ROOT_FAILED` if it fails, `WAIT_TIMEOUT` if `timeout` runs out.
   */
  start(): Promise<TreeNode>;
  /**
   * Moves simulated time forward by `ms`: fires every timer due up to and including now + ms,
   * in order, letting the promises each timer starts settle before the next one fires, and the
   * `setImmediate` hops they take (a restart's) before time moves on.
   */
  advance(ms: number): Promise<void>;
  /**
   * Lets the work ready now run to rest without moving simulated time: promise chains, and
   * timers due at the current instant (a 0 ms delay).
   */
  runUntilIdle(): Promise<void>;
  /** `getTree()` of the root. */
  tree(): TreeNode;
  /**
   * Sends `event` to the node at `path`: a supervised actor gets it through its supervisor
   * (`child.send`), a service or supervisor directly; then lets it be processed.
   */
  send(path: TreePath, event: { type: string; [key: string]: unknown }): Promise<void>;
  /**
   * Advances simulated time, timer by timer, until the node at `path` is in `state` (its
   * lifecycle state such as `'running'`, or a supervised actor's state value), and resolves
   * with that node. Rejects with `WAIT_TIMEOUT`, the tree in the message, when `timeout`
   * simulated ms pass first.
   */
  waitFor(path: TreePath, state: string, options?: WaitForOptions): Promise<TreeNode>;
  /**
   * Stops the tree gracefully, advancing simulated time through grace periods, then restores
   * the real clock. Safe to call twice and before `start()`.
   */
  shutdown(): Promise<void>;
}

function checkTimeout(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TestSystemError(
      'INVALID_OPTION',
      `Invalid option \`${option}\` of createTestSystem: expected a finite number of milliseconds >= 0, got ${JSON.stringify(value) ?? String(value)}.`,
    );
  }
  return value;
}

function resolveNow(now: unknown): number {
  if (now === undefined) return Date.now();
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TestSystemError(
      'INVALID_OPTION',
      `Invalid option \`now\` of createTestSystem: expected a Date or ms since the epoch, got ${String(now)}.`,
    );
  }
  return ms;
}

function checkOptions(options: TestSystemOptions): void {
  for (const key of Object.keys(options)) {
    if (key !== 'now' && key !== 'timeout') {
      throw new TestSystemError(
        'INVALID_OPTION',
        `Unknown option \`${key}\` of createTestSystem; known options are now, timeout.`,
      );
    }
  }
}

function splitPath(path: TreePath): string[] {
  if (typeof path !== 'string') return [...path];
  return path === '' ? [] : path.split('/');
}

/** True while some `setImmediate` callback (not unref'ed) is waiting to run. */
function immediatePending(): boolean {
  return process.getActiveResourcesInfo().includes('Immediate');
}

/**
 * Real event-loop turns, until no `setImmediate` is pending any more: the promise chains a
 * timer started run to their end, including the hops through `setImmediate` that the
 * supervisor's restarts take (timers stay simulated). Each turn drains every microtask and
 * `nextTick` first (decision 0115).
 */
async function settle(): Promise<void> {
  for (let i = 0; i < MAX_SETTLE_TURNS; i++) {
    await new Promise<void>((r) => setImmediate(r));
    if (!immediatePending()) return;
  }
}

function installClock(now: number): FakeClock {
  try {
    return install({ now, toFake: [...FAKED], loopLimit: MAX_TIMERS_PER_INSTANT });
  } catch (e) {
    throw new TestSystemError(
      'CLOCK_IN_USE',
      "createTestSystem could not install its simulated clock: fake timers are already installed (another test system not shut down, or the test runner's fake timers, e.g. vi.useFakeTimers() or jest.useFakeTimers()). Shut the other one down first.",
      { cause: e },
    );
  }
}

/**
 * Runs the supervision tree `root` (a machine made by `createSupervisor` or `createService`)
 * on simulated time, with its reports and log records kept, for tests. The fake clock
 * (`@sinonjs/fake-timers`) is installed at once, so `setTimeout`, `setInterval`, `Date` and
 * `performance.now` are simulated from here until `shutdown()`: the package's own timers,
 * croner's fire times and XState's `after` delays all follow `advance()`.
 *
 * Gotchas: create the system, then call `start()`; create nothing time-dependent of your own
 * in between that you expect to run on real time. `setImmediate`, `process.nextTick` and
 * `queueMicrotask` stay real (faking them stalls promise chains). Needs no test runner: it
 * works the same under vitest, jest and `node:test`.
 *
 * @example
 * ```ts
 * import { createTestSystem } from 'xstate-supervisor/testing';
 *
 * const t = createTestSystem(root, { now: Date.parse('2026-03-29T00:30:00Z') });
 * try {
 *   await t.start();
 *   await t.advance(60_000); // one simulated minute
 *   assert.equal(t.tree().children?.[0]?.state, 'running');
 * } finally {
 *   await t.shutdown(); // graceful, then the real clock is back
 * }
 * ```
 */
export function createTestSystem(
  root: AnyStateMachine,
  options: TestSystemOptions = {},
): TestSystem {
  checkOptions(options);
  const timeout = checkTimeout(options.timeout ?? 600_000, 'timeout');
  const start = resolveNow(options.now);
  const reports: TimedReport[] = [];
  const logs: LogRecord[] = [];
  const logger = captureLogger(logs);
  const clock = installClock(start);
  let actor: AnyActorRef | undefined;
  let ended = false;

  function live(what: string): void {
    if (ended)
      throw new TestSystemError(
        'SHUT_DOWN',
        `${what} after shutdown(): the test system has ended.`,
      );
  }
  function started(what: string): AnyActorRef {
    live(what);
    if (!actor)
      throw new TestSystemError(
        'NOT_STARTED',
        `${what} before start(): call await t.start() first.`,
      );
    return actor;
  }

  /**
   * Fires the earliest timer due by `deadline` (true), or moves the clock to `deadline` when
   * none is (false). The clock's own timer heap says which when it has one (@sinonjs/fake-timers
   * 15); else a sentinel timer at the deadline does: it fires only when nothing else is due
   * before it, since equal times fire in creation order (decision 0115).
   */
  function fireNext(deadline: number): boolean {
    const heap = (clock as { timerHeap?: TimerHeap }).timerHeap;
    if (heap && typeof heap.peek === 'function') {
      const first = heap.peek();
      if (first === undefined || first.callAt > deadline) {
        if (deadline > clock.now) clock.tick(deadline - clock.now);
        return false;
      }
      clock.next();
      return true;
    }
    let reached = false;
    const sentinel = clock.setTimeout(
      () => {
        reached = true;
      },
      Math.max(0, deadline - clock.now),
    );
    clock.next();
    if (reached) return false;
    clock.clearTimeout(sentinel);
    return true;
  }

  /**
   * Fires the other timers due at the current instant, one at a time, each once the promise
   * chains (and `process.nextTick` callbacks) the previous one started have run, as Node runs
   * them between two timers of one instant; stops early (true) once `done()` holds. Each step is
   * a `nextTick` queued from a microtask, so it runs after the microtask queue is drained,
   * without a turn of the event loop (decision 0115).
   */
  function drainInstant(done: () => boolean): Promise<boolean> {
    const instant = clock.now;
    let fired = 1;
    return new Promise<boolean>((resolve, reject) => {
      const step = (): void => {
        try {
          if (done()) resolve(true);
          else if (!fireNext(instant)) resolve(false);
          else if (++fired > MAX_TIMERS_PER_INSTANT) reject(runaway(instant));
          else queueMicrotask(() => process.nextTick(step));
        } catch (e) {
          reject(e);
        }
      };
      queueMicrotask(() => process.nextTick(step));
    });
  }

  function runaway(instant: number): TestSystemError {
    return new TestSystemError(
      'RUNAWAY_TIMERS',
      `More than ${MAX_TIMERS_PER_INSTANT} timers fired at simulated time ${new Date(instant).toISOString()} without time moving: a loop with no delay between its runs?`,
    );
  }

  /**
   * Fires timers in order up to and including `deadline`: at each instant, one at a time with
   * their promise chains run in between (see drainInstant), then a few real event-loop turns
   * before time moves on; stops early (true) once `done()` holds.
   */
  async function runTo(deadline: number, done: () => boolean = () => false): Promise<boolean> {
    let instant = clock.now;
    let atInstant = 0;
    for (;;) {
      await settle();
      if (done()) return true;
      if (!fireNext(deadline)) {
        await settle();
        return done();
      }
      if (clock.now !== instant) [instant, atInstant] = [clock.now, 0];
      else if (++atInstant > MAX_TIMERS_PER_INSTANT) throw runaway(instant);
      if (await drainInstant(done)) return true;
    }
  }

  function timedOut(what: string, limit: number): TestSystemError {
    const tree = actor ? treeText(getTree(actor)) : '(not started)';
    return new TestSystemError(
      'WAIT_TIMEOUT',
      `${what} did not happen within ${limit} ms of simulated time (now ${new Date(clock.now).toISOString()}). The tree:\n${tree}`,
    );
  }

  const system: TestSystem = {
    get actor() {
      return actor;
    },
    reports,
    logs,
    now: () => clock.now,
    pendingTimers() {
      live('pendingTimers()');
      return clock.countTimers();
    },

    async start() {
      live('start()');
      if (!actor) {
        const created = createActor(root, { input: { logger } });
        if (!sourceOf(created)) {
          throw new TestSystemError(
            'INVALID_OPTION',
            'createTestSystem expects a machine made by createSupervisor or createService as its root.',
          );
        }
        actor = created;
        for (const type of REPORT_TYPES)
          created.on(type, (r) => reports.push({ ...(r as SupervisorReport), time: Date.now() }));
        created.start();
      }
      const current = actor;
      const state = () => getTree(current).state;
      const ok = await runTo(
        clock.now + timeout,
        () => state() === 'running' || state() === 'failed',
      );
      if (!ok) throw timedOut('start(): the root reaching "running"', timeout);
      if (state() === 'failed') {
        const tree = getTree(current);
        throw new TestSystemError(
          'ROOT_FAILED',
          `start(): the root failed instead of running${tree.lastError ? ` (${tree.lastError.message})` : ''}. The tree:\n${treeText(tree)}`,
        );
      }
      return getTree(current);
    },

    async advance(ms) {
      live('advance()');
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new TestSystemError(
          'INVALID_OPTION',
          `advance(ms) expects a finite number of milliseconds >= 0, got ${String(ms)}.`,
        );
      }
      await runTo(clock.now + ms);
    },

    async runUntilIdle() {
      live('runUntilIdle()');
      await runTo(clock.now);
    },

    tree() {
      return getTree(started('tree()'));
    },

    async send(path, event) {
      const rootActor = started('send()');
      const segments = splitPath(path);
      if (segments.length === 0) rootActor.send(event);
      else {
        const found = locate(rootActor, segments);
        if (!found) {
          throw new TestSystemError(
            'UNKNOWN_PATH',
            `send(): no node at path "${segments.join('/')}". The tree:\n${treeText(getTree(rootActor))}`,
          );
        }
        if (found.record.spec.kind === 'actor') {
          await found.core.command({ type: 'child.send', id: found.record.id, event });
        } else if (found.record.actor && found.record.state === 'running') {
          found.record.actor.send(event);
        } else {
          throw new TestSystemError(
            'NOT_RUNNING',
            `send(): "${segments.join('/')}" is not running (${found.record.state}); the event would be lost. The tree:\n${treeText(getTree(rootActor))}`,
          );
        }
      }
      await system.runUntilIdle();
    },

    async waitFor(path, state, waitOptions = {}) {
      const rootActor = started('waitFor()');
      const limit = checkTimeout(waitOptions.timeout ?? timeout, 'timeout');
      const segments = splitPath(path);
      const node = () => nodeAt(getTree(rootActor), segments);
      const ok = await runTo(clock.now + limit, () => {
        const n = node();
        return n !== undefined && inState(n, state);
      });
      const where = segments.length === 0 ? 'the root' : `"${segments.join('/')}"`;
      if (!ok) throw timedOut(`waitFor(): ${where} reaching "${state}"`, limit);
      return node()!;
    },

    async shutdown() {
      if (ended) return;
      ended = true;
      let failure: unknown;
      try {
        if (actor) {
          let stopped = false;
          const stopping = shutdownTree(actor).then(
            () => {
              stopped = true;
            },
            (e: unknown) => {
              stopped = true;
              failure = toError(e);
            },
          );
          if (!(await runTo(clock.now + timeout, () => stopped)))
            failure = timedOut('shutdown()', timeout);
          else await stopping;
        }
      } finally {
        clock.uninstall();
      }
      if (failure) throw failure;
    },
  };
  return system;
}

/**
 * The lifecycle of a supervised actor (SPEC §8): ready, startTimeout, graceful stop by event,
 * kill at gracePeriod, hard reset, system.get across generations, child.send, the tree node,
 * and nothing of a generation left running.
 */

import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AnyActorRef, assign, createActor, fromCallback, fromPromise, setup } from 'xstate';
import { locate } from '../../src/control/resolve.ts';
import {
  createService,
  createSupervisor,
  getTree,
  ReadyTimeoutError,
  shutdown,
  supervise,
} from '../../src/index.ts';
import { settle } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { nextReport, reach, type Started, startSupervisor } from '../helpers/supervisor.ts';

let running: Started | undefined;
afterEach(async () => {
  vi.useRealTimers();
  if (running) await shutdown(running.actor);
  running = undefined;
});

/** The connection machine of the docs: connecting → connected (tag ready) → closing → closed. */
const connection = setup({
  types: {
    context: {} as { pings: number },
    events: {} as { type: 'db.close' } | { type: 'db.ping' } | { type: 'db.connected' },
  },
  actions: { countPing: assign({ pings: ({ context }) => context.pings + 1 }) },
}).createMachine({
  id: 'db',
  context: { pings: 0 },
  initial: 'connecting',
  states: {
    connecting: { on: { 'db.connected': 'connected' } },
    connected: {
      tags: ['ready'],
      on: { 'db.close': 'closing', 'db.ping': { actions: 'countPing' } },
    },
    closing: { after: { 10: 'closed' } },
    closed: { type: 'final' },
  },
});

/** An interval timer held by an invoked callback: the resource a leak would leave behind. */
const ticking = fromCallback(() => {
  const t = setInterval(() => {}, 1_000);
  return () => clearInterval(t);
});

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('ready', () => {
  it('is starting until the ready tag holds, then running and reported started', async () => {
    running = startSupervisor({
      id: 'root',
      children: [supervise(connection, { ready: 'ready' })],
    });
    const db = () => getTree(running!.actor).children![0]!;
    await settle().catch(() => {});
    expect(db()).toMatchObject({ kind: 'actor', state: 'starting', value: 'connecting' });
    const started = nextReport(running.actor, 'child.started');
    running.actor.system.get('db')!.send({ type: 'db.connected' });
    await started;
    expect(db()).toMatchObject({ state: 'running', value: 'connected', generation: 0 });
  });

  it('checks a predicate on every snapshot, the first one included', async () => {
    running = startSupervisor({
      id: 'root',
      children: [supervise(connection, { ready: (s) => s.value === 'connecting' })],
    });
    await reach(running.actor, 'running');
    expect(getTree(running.actor).children![0]).toMatchObject({ state: 'running' });
  });

  it('fails the start at startTimeout when never ready, stops the actor and rolls the start sequence back', async () => {
    vi.useFakeTimers();
    const order: string[] = [];
    const first = createService({
      id: 'first',
      iterate() {},
      minPeriod: 1_000,
      onStop: () => void order.push('first stopped'),
    });
    running = startSupervisor({
      id: 'root',
      children: [first, supervise(connection, { ready: 'ready', startTimeout: 1_000 })],
    });
    const failed = nextReport(running.actor, 'child.failed');
    await vi.advanceTimersByTimeAsync(999);
    expect(getTree(running.actor).children![1]!.state).toBe('starting');
    await vi.advanceTimersByTimeAsync(1);
    const report = await failed;
    expect(report.reason).toBeInstanceOf(ReadyTimeoutError);
    await reach(running.actor, 'failed');
    expect(order).toEqual(['first stopped']);
    expect(running.actor.system.get('db')).toBeUndefined();
    expect(getTree(running.actor).children!.map((c) => c.state)).toEqual(['stopped', 'failed']);
  });

  it('warns at creation about a ready tag no state declares', () => {
    const logger = createCapturingLogger();
    const actor = createActor(
      createSupervisor({
        id: 'root',
        logger,
        children: [supervise(connection, { ready: 'redy', startTimeout: 10 })],
      }),
    );
    expect(logger.find('ready tag "redy" is declared by no state')).toHaveLength(1);
    actor.stop();
  });
});

describe('stops', () => {
  it('sends the stop event and waits for the final state: stopped, not killed', async () => {
    vi.useFakeTimers();
    running = startSupervisor({
      id: 'root',
      children: [supervise(connection, { stop: { type: 'db.close' } })],
    });
    await reach(running.actor, 'running');
    running.actor.system.get('db')!.send({ type: 'db.connected' });
    const stopped = nextReport(running.actor, 'child.stopped');
    running.actor.send({ type: 'child.stop', id: 'db' });
    await vi.advanceTimersByTimeAsync(10);
    await stopped;
    expect(running.reports.map((r) => r.type)).not.toContain('child.killed');
    expect(getTree(running.actor).children![0]).toMatchObject({
      state: 'stopped',
      value: 'closed',
    });
  });

  it('kills a machine that ignores the stop event at gracePeriod and reports child.killed', async () => {
    vi.useFakeTimers();
    running = startSupervisor({
      id: 'root',
      children: [supervise(connection, { stop: { type: 'db.close' }, gracePeriod: 500 })],
    });
    await reach(running.actor, 'running');
    const killed = nextReport(running.actor, 'child.killed');
    running.actor.send({ type: 'child.stop', id: 'db' }); // still connecting: db.close is ignored
    await vi.advanceTimersByTimeAsync(499);
    expect(getTree(running.actor).children![0]!.state).toBe('stopping');
    await vi.advanceTimersByTimeAsync(1);
    expect(await killed).toMatchObject({ id: 'db', reason: 'manual' });
    expect(getTree(running.actor).children![0]!.state).toBe('stopped');
  });

  it('leaves no invoked child and no timer of a failed machine running (statelyai/xstate #5153)', async () => {
    const before = timers();
    const failing = setup({
      actors: { ticking },
      actions: {
        boom: () => {
          throw new Error('boom');
        },
      },
    }).createMachine({
      id: 'leaky',
      invoke: { src: 'ticking' },
      initial: 'up',
      states: { up: { on: { end: { actions: 'boom' } } } },
    });
    running = startSupervisor({
      id: 'root',
      children: [supervise(failing, { restart: 'temporary' })],
    });
    await reach(running.actor, 'running');
    expect(timers()).toBe(before + 1);
    const failed = nextReport(running.actor, 'child.failed');
    running.actor.send({ type: 'child.send', id: 'leaky', event: { type: 'end' } });
    await failed;
    expect(timers()).toBe(before);
  });
});

describe('generations', () => {
  it('registers every generation under its path: system.get returns generation N+1 after a restart', async () => {
    const inner = createSupervisor({ id: 'workers', children: [connection] });
    running = startSupervisor({ id: 'root', children: [inner] });
    await reach(running.actor, 'running');
    const gen0 = running.actor.system.get('workers/db') as AnyActorRef;
    expect(gen0).toBeDefined();
    const restarted = nextReport(running.actor, 'child.restarted', (r) => r.id === 'db');
    const workers = locate(running.actor, ['workers'])!.record.actor!;
    workers.send({ type: 'child.fail', id: 'db', error: new Error('lost') });
    await restarted;
    const gen1 = running.actor.system.get('workers/db') as AnyActorRef;
    expect(gen1).not.toBe(gen0);
    expect(getTree(running.actor).children![0]!.children![0]).toMatchObject({
      generation: 1,
      state: 'running',
      failures: 0,
    });
    gen1.send({ type: 'db.connected' });
    expect(gen1.getSnapshot().value).toBe('connected');
  });

  it('forwards child.send to the running generation, and refuses it (warn, not queued) when none runs', async () => {
    running = startSupervisor({ id: 'root', children: [connection] });
    await reach(running.actor, 'running');
    running.actor.send({ type: 'child.send', id: 'db', event: { type: 'db.connected' } });
    running.actor.send({ type: 'child.send', id: 'db', event: { type: 'db.ping' } });
    expect(running.actor.system.get('db')!.getSnapshot().context.pings).toBe(1);
    const stopped = nextReport(running.actor, 'child.stopped');
    running.actor.send({ type: 'child.stop', id: 'db' });
    await stopped;
    running.actor.send({ type: 'child.send', id: 'db', event: { type: 'db.ping' } });
    await settleReal();
    const warned = running.logger.at('warn').filter((e) => e.msg === 'command refused');
    expect(String((warned[0]!.fields.err as Error).message)).toMatch(/"db".*stopped.*not queued/);
    expect(running.actor.system.get('db')).toBeUndefined();
    const started = nextReport(running.actor, 'child.started');
    running.actor.send({ type: 'child.start', id: 'db' });
    await started;
    expect(running.actor.system.get('db')!.getSnapshot().context.pings).toBe(0);
  });

  it("refuses XState's own events through child.send, so nothing stops the actor behind the supervisor", async () => {
    running = startSupervisor({ id: 'root', children: [connection] });
    await reach(running.actor, 'running');
    const actor = running.actor.system.get('db');
    running.actor.send({ type: 'child.send', id: 'db', event: { type: 'xstate.stop' } });
    await settleReal();
    const warned = running.logger.at('warn').filter((e) => e.msg === 'command refused');
    expect((warned[0]!.fields.err as { code?: string }).code).toBe('RESERVED_EVENT');
    expect(running.actor.system.get('db')).toBe(actor);
    expect(actor!.getSnapshot().status).toBe('active');
  });

  it('hard-resets to a fresh actor as the next generation, without the stop event and without a failure', async () => {
    const stops: string[] = [];
    const logic = fromPromise<never>(
      ({ signal }) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            stops.push('aborted');
            reject(new Error('aborted'));
          }),
        ),
    );
    running = startSupervisor({
      id: 'root',
      children: [supervise(logic, { id: 'job', stop: { type: 'never-sent' }, gracePeriod: 20 })],
    });
    await reach(running.actor, 'running');
    const gen0 = running.actor.system.get('job');
    const restarted = nextReport(running.actor, 'child.restarted');
    running.actor.send({ type: 'child.hard-reset', id: 'job' });
    expect(await restarted).toMatchObject({ id: 'job', generation: 1, reason: 'hard-reset' });
    expect(stops).toEqual(['aborted']);
    expect(running.actor.system.get('job')).not.toBe(gen0);
    expect(getTree(running.actor).children![0]).toMatchObject({
      state: 'running',
      generation: 1,
      failures: 0,
    });
    expect(getTree(running.actor).children![0]!.value).toBeUndefined();
    expect(running.reports.map((r) => r.type)).not.toContain('child.failed');
  });
});

async function settleReal(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

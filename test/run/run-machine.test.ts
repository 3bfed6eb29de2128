/**
 * The statechart of `run()` on its own: every step of a run's life, with the tree, the process
 * and the servers replaced by actors the test drives, and time on XState's simulated clock.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate';
import type { AnyActorRef, AnyStateMachine } from '../../src/internal/xstate.ts';
import type { HandOverInput } from '../../src/run/run-actors.ts';
import type { RunEmitted, RunEnd, RunEvent } from '../../src/run/run-events.ts';
import { runMachine } from '../../src/run/run-machine.ts';
import { resolveRunOptions } from '../../src/run/run-options.ts';
import { type Deferred, deferred } from '../helpers/async.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';

/** Lets settled promises (a fake shutdown, a fake hand-over) reach the machine. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A run machine over fakes: the test sends the root's events and signals itself. */
function startRun(options: { shutdownDelay?: number; shutdownTimeout?: number } = {}) {
  const clock = new SimulatedClock();
  const logger = createCapturingLogger();
  const shutdowns: Deferred<void>[] = [];
  const handOvers: { why: string; done: Deferred<void> }[] = [];
  let serversAsked = 0;
  const machine = runMachine.provide({
    actors: {
      watchRoot: fromCallback(() => {}),
      listenForSignals: fromCallback(() => {}),
      keepProcessAlive: fromCallback(() => {}),
      startTree: fromCallback(() => {}),
      runServers: fromCallback(({ receive }) => {
        receive(() => {
          serversAsked++;
        });
      }),
      shutdownTree: fromPromise(() => {
        const d = deferred();
        shutdowns.push(d);
        return d.promise;
      }),
      handOverTheQueues: fromPromise<void, HandOverInput>(({ input }) => {
        const done = deferred();
        handOvers.push({ why: input.why, done });
        return done.promise;
      }),
    },
  });
  const run = createActor(machine, {
    clock,
    input: {
      root: { id: 'root' } as AnyStateMachine,
      actor: {} as AnyActorRef,
      options: resolveRunOptions({ logger, exit: false, ...options }),
    },
  });
  const emitted: RunEmitted[] = [];
  run.on('*', (e) => emitted.push(e));
  let end: RunEnd | undefined;
  run.subscribe({ complete: () => (end = run.getSnapshot().output) });
  run.start();
  return {
    run,
    clock,
    logger,
    shutdowns,
    handOvers,
    emitted,
    send: (event: RunEvent) => run.send(event),
    /** Where the run is, as a dotted path (`stopping.draining`). */
    state: () => stateOf(run.getSnapshot().value),
    end: () => end,
    serversAsked: () => serversAsked,
  };
}

function stateOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, sub] = Object.entries(value as Record<string, unknown>)[0]!;
  return `${key}.${stateOf(sub)}`;
}

const SIGTERM = { type: 'run.signal', signal: 'SIGTERM' } as const;
const EXIT_0_SIGNAL: RunEnd = { result: { exitCode: 0, reason: 'signal' }, process: 'exit' };
const EXIT_70: RunEnd = { result: { exitCode: 70, reason: 'timeout' }, process: 'exit' };

describe('run machine: starting and running', () => {
  it('asks for the servers once the root runs, and is ready once they listen', () => {
    const r = startRun();
    expect(r.state()).toBe('up.starting');
    expect(r.serversAsked()).toBe(0);
    r.send({ type: 'root.running' });
    expect(r.state()).toBe('up.running');
    expect(r.serversAsked()).toBe(1);
    expect(r.emitted).toEqual([]);
    r.send({ type: 'servers.opened' });
    expect(r.emitted).toEqual([{ type: 'run.ready' }]);
    expect(r.logger.find('running; press Ctrl+C to stop')[0]?.fields).toEqual({ root: 'root' });
  });

  it('a signal during the start stops what started, skips shutdownDelay and the servers, and ends 0', async () => {
    const r = startRun({ shutdownDelay: 5_000 });
    r.send(SIGTERM);
    expect(r.state()).toBe('stopping.draining');
    expect(r.run.getSnapshot().hasTag('draining')).toBe(true);
    expect(r.logger.find('signal received while starting')).toHaveLength(1);
    r.send({ type: 'root.running' }); // the start sequence finishes: no servers for a stopping run
    expect(r.serversAsked()).toBe(0);
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()).toEqual(EXIT_0_SIGNAL);
    expect(r.emitted).toEqual([]);
  });
});

describe('run machine: a stop', () => {
  it('a signal while running drains the tree and ends 0, exiting the process', async () => {
    const r = startRun();
    r.send({ type: 'root.running' });
    r.send(SIGTERM);
    expect(r.state()).toBe('stopping.draining');
    expect(r.logger.find('signal received; shutting down gracefully')[0]?.fields).toEqual({
      signal: 'SIGTERM',
    });
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()).toEqual(EXIT_0_SIGNAL);
    expect(r.logger.find('shutdown complete')).toHaveLength(1);
  });

  it('with shutdownDelay, readiness turns red first and the drain begins when the delay is out', () => {
    const r = startRun({ shutdownDelay: 5_000 });
    r.send({ type: 'root.running' });
    r.send(SIGTERM);
    expect(r.state()).toBe('stopping.delaying');
    expect(r.run.getSnapshot().hasTag('draining')).toBe(true);
    r.clock.increment(4_999);
    expect(r.shutdowns).toHaveLength(0);
    r.clock.increment(1);
    expect(r.state()).toBe('stopping.draining');
    expect(r.shutdowns).toHaveLength(1);
  });

  it('POST /shutdown stops like a signal and ends 0 (request), exiting the process', async () => {
    const r = startRun();
    r.send({ type: 'root.running' });
    r.send({ type: 'run.request' });
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()).toEqual({ result: { exitCode: 0, reason: 'request' }, process: 'exit' });
  });

  it('handle.stop() skips shutdownDelay and ends 0 (stopped), leaving the process alone', async () => {
    const r = startRun({ shutdownDelay: 5_000 });
    r.send({ type: 'root.running' });
    r.send({ type: 'run.stop' });
    expect(r.state()).toBe('stopping.draining');
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()).toEqual({ result: { exitCode: 0, reason: 'stopped' }, process: 'stay' });
  });

  it('the root stopping on its own ends the run 0 (stopped), leaving the process alone', async () => {
    const r = startRun();
    r.send({ type: 'root.running' });
    r.send({ type: 'root.stopped' });
    expect(r.logger.find('the root stopped on its own')).toHaveLength(1);
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()).toEqual({ result: { exitCode: 0, reason: 'stopped' }, process: 'stay' });
  });

  it('the root actor stopped directly ends the run at once, 0 (stopped)', () => {
    const r = startRun();
    r.send({ type: 'root.running' });
    r.send({ type: 'root.completed' });
    expect(r.end()).toEqual({ result: { exitCode: 0, reason: 'stopped' }, process: 'stay' });
    expect(r.shutdowns).toHaveLength(0);
  });

  it('once stopping, the root stopping or failing on its way down changes nothing', async () => {
    const r = startRun();
    r.send({ type: 'root.running' });
    r.send(SIGTERM);
    r.send({ type: 'root.failed', error: new Error('late') });
    r.send({ type: 'root.stopped' });
    expect(r.state()).toBe('stopping.draining');
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()).toEqual(EXIT_0_SIGNAL);
  });
});

describe('run machine: the deadline', () => {
  it('a drain overrunning shutdownTimeout hands the queues over, then ends 70', async () => {
    const r = startRun({ shutdownTimeout: 1_000 });
    r.send({ type: 'root.running' });
    r.send(SIGTERM);
    r.clock.increment(999);
    expect(r.state()).toBe('stopping.draining');
    r.clock.increment(1);
    expect(r.state()).toBe('deadline');
    expect(r.logger.find('shutdown overran shutdownTimeout')[0]?.level).toBe('error');
    expect(r.handOvers.map((h) => h.why)).toEqual([
      'the shutdown overran shutdownTimeout (1000 ms)',
    ]);
    expect(r.end()).toBeUndefined();
    r.handOvers[0]!.done.resolve();
    await flush();
    expect(r.end()).toEqual(EXIT_70);
  });

  it('a second signal during the drain hands the queues over, then ends 70', async () => {
    const r = startRun();
    r.send({ type: 'root.running' });
    r.send(SIGTERM);
    r.send({ type: 'run.signal', signal: 'SIGINT' });
    expect(r.state()).toBe('deadline');
    expect(r.handOvers.map((h) => h.why)).toEqual(['a second SIGINT came during the shutdown']);
    r.handOvers[0]!.done.resolve();
    await flush();
    expect(r.end()).toEqual(EXIT_70);
  });

  it('a second signal during shutdownDelay ends 70 without waiting the delay out', () => {
    const r = startRun({ shutdownDelay: 60_000 });
    r.send({ type: 'root.running' });
    r.send(SIGTERM);
    r.send(SIGTERM);
    expect(r.state()).toBe('deadline');
    expect(r.shutdowns).toHaveLength(0);
  });

  it('a signal while the queues are handed over exits at once with 70', () => {
    const r = startRun();
    r.send({ type: 'root.running' });
    r.send(SIGTERM);
    r.send(SIGTERM);
    r.send(SIGTERM);
    expect(r.end()).toEqual({ ...EXIT_70, process: 'exit-now' });
    expect(r.logger.find('signal while exiting')).toHaveLength(1);
  });

  it('a hand-over that fails is logged, and the run still ends 70', async () => {
    const r = startRun();
    r.send({ type: 'root.running' });
    r.send(SIGTERM);
    r.send(SIGTERM);
    r.handOvers[0]!.done.reject(new Error('disk full'));
    await flush();
    expect(r.logger.find('handing the queues over failed')).toHaveLength(1);
    expect(r.end()).toEqual(EXIT_70);
  });
});

describe('run machine: a failure', () => {
  it('the root failing rejects ready at once, stops the tree, and ends 1 with its error', async () => {
    const r = startRun();
    const error = new Error('root is broken');
    r.send({ type: 'root.running' });
    r.send({ type: 'root.failed', error });
    expect(r.state()).toBe('failing');
    expect(r.emitted).toEqual([{ type: 'run.failing', error }]);
    expect(r.logger.find('the root failed; exiting with code 1')).toHaveLength(1);
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()).toEqual({ result: { exitCode: 1, reason: 'failed', error }, process: 'exit' });
  });

  it('a server that cannot start fails the run with 1, saying which', async () => {
    const r = startRun();
    const error = new Error('EADDRINUSE');
    r.send({ type: 'root.running' });
    r.send({ type: 'run.fail', error, message: 'the inspector could not start; shutting down' });
    expect(r.state()).toBe('failing');
    expect(r.logger.find('the inspector could not start')).toHaveLength(1);
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()?.result).toEqual({ exitCode: 1, reason: 'failed', error });
  });

  it('a server failing while the failed root is stopping keeps the root’s error as the run’s', async () => {
    const r = startRun();
    const error = new Error('root is broken');
    r.send({ type: 'root.running' });
    r.send({ type: 'root.failed', error });
    r.send({
      type: 'run.fail',
      error: new Error('EADDRINUSE'),
      message: 'the inspector could not start; shutting down',
    });
    r.shutdowns[0]!.resolve();
    await flush();
    expect(r.end()?.result).toEqual({ exitCode: 1, reason: 'failed', error });
  });

  it('a signal while the root fails hands the queues over and ends 70', async () => {
    const r = startRun();
    r.send({ type: 'root.failed', error: new Error('no database') });
    r.send(SIGTERM);
    expect(r.state()).toBe('deadline');
    r.handOvers[0]!.done.resolve();
    await flush();
    expect(r.end()).toEqual(EXIT_70);
  });

  it('the root actor crashing hands the queues over, then ends 1 with its error', async () => {
    const r = startRun();
    const error = new Error('bug in a transition');
    r.send({ type: 'root.running' });
    r.send({ type: 'root.crashed', error });
    expect(r.handOvers.map((h) => h.why)).toEqual(['the root actor crashed']);
    expect(r.logger.find('the root actor crashed; exiting with code 1')).toHaveLength(1);
    r.handOvers[0]!.done.resolve();
    await flush();
    expect(r.end()).toEqual({ result: { exitCode: 1, reason: 'failed', error }, process: 'exit' });
  });
});

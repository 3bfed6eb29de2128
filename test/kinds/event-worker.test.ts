import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import { getTree } from '../../src/actors/tree.ts';
import { ServiceConfigError } from '../../src/core/errors.ts';
import type { ServiceContext } from '../../src/core/service-options.ts';
import { createEventWorker, type EventWorkerOptions } from '../../src/kinds/event-worker.ts';
import { advance, type Deferred, deferred, settle } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';

let logger: CapturingLogger;
beforeEach(() => {
  vi.useFakeTimers();
  logger = createCapturingLogger();
});
afterEach(() => {
  vi.useRealTimers();
});

function details(actor: AnyActorRef) {
  return getTree(actor).details as { runs: number; coalesced: number; pending: boolean };
}

/** A handler whose runs each wait for the test to release them. */
function gated() {
  const gates: Deferred<void>[] = [];
  const handle = vi.fn((_ctx: ServiceContext) => {
    const gate = deferred();
    gates.push(gate);
    return gate.promise;
  });
  return { handle, gates };
}

describe('event worker: triggers', () => {
  it('runs the handler once per trigger while idle', async () => {
    const handle = vi.fn();
    const worker = createEventWorker({ id: 'once', logger, handle });
    const actor = createActor(worker).start();
    await settle();
    expect(handle).not.toHaveBeenCalled();
    worker.trigger();
    await settle();
    worker.trigger();
    await settle();
    expect(handle).toHaveBeenCalledTimes(2);
    expect(details(actor)).toEqual({ runs: 2, coalesced: 0, pending: false });
  });

  it('coalesces three triggers during a run into exactly one more run', async () => {
    const { handle, gates } = gated();
    const worker = createEventWorker({ id: 'coalesce', logger, handle });
    const actor = createActor(worker).start();
    expect(worker.trigger()).toBe(true);
    await settle();
    expect(handle).toHaveBeenCalledTimes(1);
    expect([worker.trigger(), worker.trigger(), worker.trigger()]).toEqual([true, false, false]);
    expect(details(actor)).toEqual({ runs: 1, coalesced: 2, pending: true });
    gates[0]!.resolve();
    await settle();
    expect(handle).toHaveBeenCalledTimes(2);
    gates[1]!.resolve();
    await advance(10_000);
    expect(handle).toHaveBeenCalledTimes(2);
    expect(details(actor)).toEqual({ runs: 2, coalesced: 2, pending: false });
  });

  it('remembers a trigger made before the start and runs it at the start', async () => {
    const handle = vi.fn();
    const worker = createEventWorker({ id: 'early', logger, handle });
    worker.trigger();
    worker.trigger();
    createActor(worker).start();
    await settle();
    expect(handle).toHaveBeenCalledOnce();
  });

  it('passes the service context: generation, and a signal aborted on stop', async () => {
    const { handle } = gated();
    const worker = createEventWorker({ id: 'ctx', logger, gracePeriod: 1_000, handle });
    const actor = createActor(worker).start();
    worker.trigger();
    await settle();
    const ctx = handle.mock.calls[0]![0];
    expect(ctx).toMatchObject({ id: 'ctx', generation: 0 });
    expect(ctx.signal.aborted).toBe(false);
    actor.send({ type: 'service.stop' });
    expect(ctx.signal.aborted).toBe(true);
  });
});

describe('event worker: stop', () => {
  it('waits for the run in flight within gracePeriod', async () => {
    const { handle, gates } = gated();
    const worker = createEventWorker({ id: 'waits', logger, gracePeriod: 1_000, handle });
    const actor = createActor(worker).start();
    worker.trigger();
    await settle();
    actor.send({ type: 'service.stop' });
    await advance(500);
    expect(getTree(actor).state).toBe('stopping');
    gates[0]!.resolve();
    await settle();
    expect(getTree(actor).state).toBe('stopped');
  });

  it('keeps a trigger pending at the stop for the next start', async () => {
    const { handle, gates } = gated();
    const worker = createEventWorker({ id: 'kept', logger, handle });
    const actor = createActor(worker).start();
    worker.trigger();
    await settle();
    worker.trigger(); // due after the run in flight
    actor.send({ type: 'service.stop' });
    gates[0]!.resolve();
    await settle();
    expect(getTree(actor).state).toBe('stopped');
    expect(details(actor).pending).toBe(true);
    actor.send({ type: 'service.start' });
    await settle();
    expect(handle).toHaveBeenCalledTimes(2);
    expect(handle.mock.calls[1]![0].generation).toBe(1);
  });
});

describe('event worker: failures', () => {
  it('counts a throwing run as a failure; failure maxFailures + 1 fails the worker', async () => {
    const worker = createEventWorker({
      id: 'fragile',
      logger,
      maxFailures: 1,
      handle() {
        throw new Error('run failed');
      },
    });
    const actor = createActor(worker).start();
    worker.trigger();
    await settle();
    expect(getTree(actor)).toMatchObject({ state: 'running', failures: 1 });
    worker.trigger();
    await settle();
    expect(getTree(actor)).toMatchObject({
      state: 'failed',
      failures: 2,
      lastError: { message: 'run failed' },
    });
  });
});

describe('event worker: options', () => {
  it.each<[string, Record<string, unknown>]>([
    ['handle', { handle: 'run' }],
    ['handle', { handle: undefined }],
    ['gracePeriod', { gracePeriod: -5 }],
    ['id', { id: 'a b' }],
  ])('rejects a bad `%s` with a ServiceConfigError naming it', (option, extra) => {
    const options = { id: 'bad', handle() {}, ...extra } as unknown as EventWorkerOptions;
    expect(() => createEventWorker(options)).toThrow(ServiceConfigError);
    expect(() => createEventWorker(options)).toThrow(
      expect.objectContaining({ option, code: 'SERVICE_CONFIG_INVALID' }),
    );
  });

  it.each(['iterate', 'pause', 'handler'])(
    'rejects `%s` with SERVICE_CONFIG_UNKNOWN_OPTION',
    (option) => {
      const options = { id: 'bad', handle() {}, [option]: 1 } as unknown as EventWorkerOptions;
      expect(() => createEventWorker(options)).toThrow(
        expect.objectContaining({ option, owner: 'bad', code: 'SERVICE_CONFIG_UNKNOWN_OPTION' }),
      );
    },
  );
});

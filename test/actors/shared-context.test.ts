/**
 * The context shared by the services of one tree: a value one service sets, another awaits,
 * in any start order; bounded by the caller's signal; a clear error for a key no one sets
 * before the tree runs; values cleared when their setter's generation ends.
 */

import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { createActor, waitFor } from 'xstate';
import {
  createContextKey,
  createService,
  createSupervisor,
  getTree,
  type ServiceContext,
  SharedContextError,
  type SupervisorOptions,
  type SupervisorReport,
  sharedContextOf,
  shutdown,
  silentLogger,
} from '../../src/index.ts';
import { deferred } from '../helpers/async.ts';

interface Pool {
  readonly name: string;
  closed: boolean;
}
const DB = createContextKey<Pool>('db');

const running: AnyActorRef[] = [];
afterEach(async () => {
  for (const actor of running.splice(0)) await shutdown(actor);
});

function start(children: SupervisorOptions['children'] & object): AnyActorRef {
  const actor = createActor(
    createSupervisor({ id: 'root', strategy: 'one-for-one', children, logger: silentLogger }),
  );
  running.push(actor);
  actor.start();
  return actor;
}

const isRunning = (actor: AnyActorRef) => getTree(actor).state === 'running';

/** Resolves on the root's next report of `type` (a child's state change is not a root snapshot). */
function untilReport(actor: AnyActorRef, type: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = actor.on(type, () => {
      sub.unsubscribe();
      resolve();
    });
  });
}

/** A service that sets DB in onStart with a pool named by its generation. */
function dbService(pools: Pool[] = []) {
  return createService({
    id: 'db',
    pause: 1_000_000,
    onStart(ctx) {
      const pool = { name: `pool@${ctx.generation}`, closed: false };
      pools.push(pool);
      ctx.context.set(DB, pool);
    },
    onStop() {
      const pool = pools.at(-1);
      if (pool) pool.closed = true;
    },
    iterate() {},
  });
}

/** A service whose first iteration awaits DB and resolves `got` with the pool's name. */
function apiGetting(got: { resolve(name: string): void }) {
  return createService({
    id: 'api',
    pause: 1_000_000,
    async iterate(ctx) {
      got.resolve((await ctx.context.get(DB)).name);
    },
  });
}

describe('shared context', () => {
  it('hands a service the value a service started after it sets, so the start order does not matter', async () => {
    const got = deferred<string>();
    const api = apiGetting(got);
    start([api, dbService()]); // api starts first
    expect(await got.promise).toBe('pool@0');
  });

  it('types get() by the key: a ContextKey<Pool> resolves to a Pool, a plain string to unknown', () => {
    const ctx = {} as ServiceContext;
    expectTypeOf(() => ctx.context.get(DB)).returns.resolves.toEqualTypeOf<Pool>();
    expectTypeOf(() => ctx.context.get('db')).returns.resolves.toBeUnknown();
    // @ts-expect-error a Pool key takes a Pool
    () => ctx.context.set(DB, 'not a pool');
  });

  it('rejects a waiter with CONTEXT_KEY_NEVER_SET, naming the key and the keys set, once the tree runs without it', async () => {
    const failed = deferred<unknown>();
    const asked = deferred();
    const api = createService({
      id: 'api',
      pause: 1_000_000,
      async iterate(ctx) {
        ctx.context.get('cache').then(() => failed.resolve('resolved'), failed.resolve);
        asked.resolve();
      },
    });
    // db's start waits until api asked, so the get waits during the start, then the root runs.
    const db = createService({
      id: 'db',
      pause: 1_000_000,
      async onStart(ctx) {
        await asked.promise;
        ctx.context.set(DB, { name: 'pool', closed: false });
      },
      iterate() {},
    });
    start([api, db]);
    const error = await failed.promise;
    expect(error).toBeInstanceOf(SharedContextError);
    expect(error).toMatchObject({ code: 'CONTEXT_KEY_NEVER_SET', key: 'cache' });
    expect((error as Error).message).toContain('"cache"');
    expect((error as Error).message).toContain('keys set: "db"');
  });

  it('fails a start that awaits, in onStart, a key a later sibling sets, at once and saying why, instead of waiting out startTimeout', async () => {
    const api = createService({
      id: 'api',
      restart: 'temporary',
      async onStart(ctx) {
        await ctx.context.get(DB);
      },
      iterate() {},
    });
    const actor = start([api, dbService()]);
    const failed = new Promise<Error>((resolve) => {
      actor.on('child.failed', (r: SupervisorReport) => resolve(r.reason as Error));
    });
    const error = await failed;
    expect(error).toMatchObject({ code: 'CONTEXT_KEY_NOT_SET_AT_START', key: 'db' });
    expect(error.message).toContain('declare the service that sets it earlier in children');
  });

  it("says, when a start's get finds a key its setter's stop cleared, that the setter set it and its stop cleared it", async () => {
    const api = createService({
      id: 'api',
      restart: 'temporary',
      pause: 1_000_000,
      async onStart(ctx) {
        await ctx.context.get(DB);
      },
      iterate() {},
    });
    const actor = start([dbService(), api]);
    await waitFor(actor, () => isRunning(actor));
    // db stops (as while it waits out a backoff); api then restarts on its own.
    actor.send({ type: 'child.stop', id: 'db' });
    await untilReport(actor, 'child.stopped');
    const failed = new Promise<Error>((resolve) => {
      actor.on('child.failed', (r: SupervisorReport) => resolve(r.reason as Error));
    });
    actor.send({ type: 'child.restart', id: 'api' });
    const error = await failed;
    expect(error).toMatchObject({ code: 'CONTEXT_KEY_NOT_SET_AT_START', key: 'db' });
    expect(error.message).toContain(
      'Service "api" awaits the shared context key "db" in its onStart; service "db" set it, but its stop cleared it and it has not set it again',
    );
    expect(error.message).not.toContain('no service started before it has set it');
  });

  it('hands a key set by an earlier sibling to a get in onStart', async () => {
    const got = deferred<string>();
    const api = createService({
      id: 'api',
      async onStart(ctx) {
        got.resolve((await ctx.context.get(DB)).name);
      },
      iterate() {},
    });
    start([dbService(), api]);
    expect(await got.promise).toBe('pool@0');
  });

  it('rejects a get of a never-set key at once when the tree already runs', async () => {
    const actor = start([dbService()]);
    await waitFor(actor, () => isRunning(actor));
    await expect(sharedContextOf(actor).get('nope')).rejects.toMatchObject({
      code: 'CONTEXT_KEY_NEVER_SET',
    });
    await expect(sharedContextOf(actor).get(DB)).resolves.toMatchObject({ name: 'pool@0' });
  });

  it("bounds a wait by the caller's signal: an abort rejects with its reason", async () => {
    // A lone tree still starting: its only service waits in onStart, so the root never runs.
    const gate = deferred();
    const blocker = createService({
      id: 'blocker',
      async onStart() {
        await gate.promise;
      },
      iterate() {},
    });
    const actor = start([blocker]);
    const controller = new AbortController();
    const waiting = sharedContextOf(actor).get(DB, { signal: controller.signal });
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    gate.resolve();
  });

  it("ends a service's wait with its own signal when the tree is stopped during the start", async () => {
    const outcome = deferred<unknown>();
    const asked = deferred();
    const gate = deferred();
    const waiter = createService({
      id: 'waiter',
      pause: 1_000_000,
      async iterate(ctx) {
        const waiting = ctx.context.get('late');
        asked.resolve();
        await waiting.then(outcome.resolve, outcome.resolve);
      },
    });
    const blocker = createService({
      id: 'blocker',
      async onStart() {
        await gate.promise;
      },
      iterate() {},
    });
    const actor = start([waiter, blocker]);
    await asked.promise;
    const stopped = shutdown(actor);
    gate.resolve(); // the start sequence ends; the stop then stops the waiter
    const error = await outcome.promise;
    expect((error as Error).name).toBe('AbortError');
    await stopped;
  });

  it("clears a value when its setter's generation ends, and hands the restarted one's value to the next get", async () => {
    const pools: Pool[] = [];
    const actor = start([dbService(pools)]);
    await waitFor(actor, () => isRunning(actor));
    const context = sharedContextOf(actor);
    expect(context.has(DB)).toBe(true);
    actor.send({ type: 'child.stop', id: 'db' });
    await untilReport(actor, 'child.stopped');
    expect(context.has(DB)).toBe(false);
    expect(pools[0]?.closed).toBe(true);
    // Known key, cleared: a get waits (no NEVER_SET) until the next generation sets it.
    const next = context.get(DB, { signal: AbortSignal.timeout(10_000) });
    actor.send({ type: 'child.start', id: 'db' });
    expect(await next).toMatchObject({ name: 'pool@1', closed: false });
  });

  it('shares one context across nested supervisors of one tree', async () => {
    const got = deferred<string>();
    const api = apiGetting(got);
    const web = createSupervisor({ id: 'web', children: [api] });
    const data = createSupervisor({ id: 'data', children: [dbService()] });
    const actor = start([web, data]);
    expect(await got.promise).toBe('pool@0');
    expect(sharedContextOf(actor).keys()).toEqual(['db']);
  });

  it('keeps one context per tree: two trees in one process do not see each other', async () => {
    const a = start([dbService()]);
    const b = start([createService({ id: 'idle', pause: 1_000_000, iterate() {} })]);
    await waitFor(a, () => isRunning(a));
    await waitFor(b, () => isRunning(b));
    expect(sharedContextOf(a).has(DB)).toBe(true);
    expect(sharedContextOf(b).has(DB)).toBe(false);
    expect(sharedContextOf(a).keys()).toEqual(['db']);
  });

  it('answers bad input with typed errors: an empty key, an undefined value, a non-actor', async () => {
    expect(() => createContextKey('')).toThrow(
      expect.objectContaining({ code: 'CONTEXT_KEY_INVALID' }),
    );
    const actor = start([dbService()]);
    const context = sharedContextOf(actor);
    expect(() => context.set('x', undefined)).toThrow(
      expect.objectContaining({ code: 'CONTEXT_VALUE_UNDEFINED', key: 'x' }),
    );
    await expect(context.get(42 as unknown as string)).rejects.toMatchObject({
      code: 'CONTEXT_KEY_INVALID',
    });
    expect(() => sharedContextOf({} as AnyActorRef)).toThrow(
      expect.objectContaining({ code: 'NOT_A_SUPERVISED_ACTOR' }),
    );
  });

  it('refuses a set from a generation that is stopping (onStop), since its values are cleared then', async () => {
    const outcome = deferred<unknown>();
    const late = createService({
      id: 'late',
      pause: 1_000_000,
      iterate() {},
      onStop(ctx) {
        try {
          ctx.context.set('x', 1);
          outcome.resolve('set');
        } catch (e) {
          outcome.resolve(e);
        }
      },
    });
    const actor = start([late]);
    await waitFor(actor, () => isRunning(actor));
    actor.send({ type: 'child.stop', id: 'late' });
    expect(await outcome.promise).toMatchObject({ code: 'CONTEXT_SETTER_STOPPING' });
  });
});

/**
 * The test system's own contract: sending events by path, waiting on a machine's state, and
 * the typed errors for bad input and misuse.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { createService, createSupervisor, supervise } from '../../src/index.ts';
import { createTestSystem, type TestSystem, TestSystemError } from '../../src/testing/index.ts';

let t: TestSystem | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

const toggle = createMachine({
  id: 'toggle',
  initial: 'off',
  states: {
    off: { tags: ['ready'], on: { flip: 'on', close: 'closed' } },
    on: { tags: ['ready'], on: { flip: 'off', close: 'closed' } },
    closed: { type: 'final' },
  },
});
const tree = () =>
  createSupervisor({
    id: 'root',
    children: [
      createSupervisor({
        id: 'inner',
        children: [supervise(toggle, { id: 'switch', ready: 'ready', stop: { type: 'close' } })],
      }),
      createService({ id: 'idle', minPeriod: 1_000, iterate() {} }),
    ],
  });

describe('createTestSystem', () => {
  it('delivers an event to a supervised machine by its path, and waitFor sees its state', async () => {
    t = createTestSystem(tree(), { now: 0 });
    await t.start();
    await t.send('inner/switch', { type: 'flip' });
    expect((await t.waitFor(['inner', 'switch'], 'on', { timeout: 0 })).value).toBe('on');
    expect(t.now()).toBe(0); // already there: no simulated time spent
  });

  it('rejects an unknown option, a bad `now` and a bad timeout before installing any clock', () => {
    expect(() => createTestSystem(tree(), { speed: 2 } as never)).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('`speed`'),
      }),
    );
    expect(() => createTestSystem(tree(), { now: Number.NaN })).toThrow(TestSystemError);
    expect(() => createTestSystem(tree(), { timeout: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('-1') }),
    );
    // No clock was left installed: a new system can be created.
    t = createTestSystem(tree());
  });

  it('names the unknown path, with the tree, when send() finds no node', async () => {
    t = createTestSystem(tree(), { now: 0 });
    await t.start();
    const error = await t.send('inner/nope', { type: 'flip' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNKNOWN_PATH' });
    expect((error as Error).message).toContain('switch [actor] running gen 0 value "off"');
  });

  it('refuses to send to a child that is not running, rather than lose the event', async () => {
    t = createTestSystem(tree(), { now: 0 });
    await t.start();
    await t.send([], { type: 'child.stop', id: 'idle' });
    await t.waitFor('idle', 'stopped');
    await expect(t.send('idle', { type: 'service.stop' })).rejects.toMatchObject({
      code: 'NOT_RUNNING',
    });
  });

  it('says start() comes first, and that a shut-down system is over', async () => {
    t = createTestSystem(tree(), { now: 0 });
    expect(() => t?.tree()).toThrow(expect.objectContaining({ code: 'NOT_STARTED' }));
    await t.shutdown();
    await expect(t.advance(1)).rejects.toMatchObject({ code: 'SHUT_DOWN' });
    await t.shutdown(); // twice is fine
    t = undefined;
  });

  it('runs a timer due now in runUntilIdle() without moving simulated time', async () => {
    t = createTestSystem(tree(), { now: 5 });
    let fired = false;
    setTimeout(() => {
      fired = true;
    }, 0);
    await t.runUntilIdle();
    expect(fired).toBe(true);
    expect(t.now()).toBe(5);
  });
});

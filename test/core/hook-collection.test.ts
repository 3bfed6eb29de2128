import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createHookCollection,
  HookCollection,
  HookError,
  type HookRunResult,
} from '../../src/core/hook-collection.ts';
import { XstateSupervisorError } from '../../src/index.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('HookCollection', () => {
  it('runs its functions in registration order, awaiting each before the next', async () => {
    const log: string[] = [];
    const hooks = new HookCollection();
    hooks.add(async function first() {
      log.push('first start');
      await tick();
      log.push('first end');
    });
    hooks.add(() => {
      log.push('second');
    });
    await hooks.run();
    expect(log).toEqual(['first start', 'first end', 'second']);
  });

  it('passes the arguments to every function and returns every result by index', async () => {
    const hooks = createHookCollection<[number, string]>([
      (n, s) => `${s}${n}`,
      async (n) => n * 2,
    ]);
    const result = await hooks.run(21, 'x');
    expect(result).toEqual({ ok: true, results: ['x21', 42], errors: [] });
  });

  it('collects every error with the error object and still runs the remaining functions', async () => {
    const ran: number[] = [];
    const first = new Error('first broke');
    const third = new TypeError('third broke');
    const hooks = createHookCollection([
      function openDb() {
        ran.push(0);
        throw first;
      },
      () => {
        ran.push(1);
        return 'fine';
      },
      async () => {
        ran.push(2);
        throw third;
      },
    ]);
    const { ok, results, errors } = await hooks.run();
    expect(ran).toEqual([0, 1, 2]);
    expect(ok).toBe(false);
    expect(results).toEqual([undefined, 'fine', undefined]);
    expect(errors).toEqual([
      { index: 0, name: 'openDb', error: first },
      { index: 2, name: 'anonymous', error: third },
    ]);
    expect(errors[0]?.error).toBe(first);
  });

  it('turns a non-error throw into an Error that keeps the thrown value', async () => {
    const hooks = createHookCollection([
      () => {
        throw 'plain string';
      },
      () => {
        throw { code: 42 };
      },
    ]);
    const { errors } = await hooks.run();
    expect(errors[0]?.error).toBeInstanceOf(Error);
    expect(errors[0]?.error.message).toBe('plain string');
    expect((errors[1]?.error as (Error & { thrown?: unknown }) | undefined)?.thrown).toEqual({
      code: 42,
    });
  });

  it('never rejects, even when every function fails', async () => {
    const hooks = createHookCollection([
      () => Promise.reject(new Error('a')),
      () => {
        throw new Error('b');
      },
    ]);
    await expect(hooks.run()).resolves.toMatchObject({
      ok: false,
      results: [undefined, undefined],
    });
  });

  it('holds a function once: adding it again keeps its first place', async () => {
    const order: string[] = [];
    const a = () => {
      order.push('a');
    };
    const b = () => {
      order.push('b');
    };
    const hooks = new HookCollection().add(a).add(b).add(a);
    expect(hooks.size).toBe(2);
    await hooks.run();
    expect(order).toEqual(['a', 'b']);
  });

  it('removes a function, says whether it was there, and keeps the others in order', async () => {
    const a = () => 'a';
    const b = () => 'b';
    const c = () => 'c';
    const hooks = createHookCollection([a, b, c]);
    expect(hooks.remove(b)).toBe(true);
    expect(hooks.remove(b)).toBe(false);
    expect(hooks.size).toBe(2);
    expect(hooks.has(b)).toBe(false);
    expect((await hooks.run()).results).toEqual(['a', 'c']);
    hooks.clear();
    expect(hooks.size).toBe(0);
    expect(await hooks.run()).toEqual({ ok: true, results: [], errors: [] });
  });

  it('runs the functions registered when run() was called: changes apply to the next run', async () => {
    const hooks = new HookCollection();
    const late = () => 'late';
    const early = () => 'early';
    hooks.add(() => {
      hooks.add(late);
      hooks.remove(early);
      return 'first';
    });
    hooks.add(early);
    expect((await hooks.run()).results).toEqual(['first', 'early']);
    expect((await hooks.run()).results).toEqual(['first', 'late']);
  });

  it('is iterable in registration order; toArray() is a copy', () => {
    const a = () => 1;
    const b = () => 2;
    const hooks = createHookCollection([a, b]);
    expect([...hooks]).toEqual([a, b]);
    const copy = hooks.toArray();
    copy.pop();
    expect(hooks.size).toBe(2);
  });

  it('rejects a non-function with INVALID_HOOK', () => {
    const hooks = new HookCollection();
    const error = (() => {
      try {
        hooks.add('not a function' as unknown as () => void);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(XstateSupervisorError);
    expect((error as XstateSupervisorError).code).toBe('INVALID_HOOK');
    expect((error as Error).message).toContain('got string');
  });

  it('types the arguments of add() and run()', () => {
    const hooks = createHookCollection<[port: number]>();
    hooks.add((port) => expectTypeOf(port).toEqualTypeOf<number>());
    expectTypeOf(hooks.run(1)).toEqualTypeOf<Promise<HookRunResult>>();
    const wrong = () => {
      // @ts-expect-error run() takes the declared arguments
      void hooks.run('8080');
      // @ts-expect-error a hook receives the declared arguments
      hooks.add((port: string) => port);
    };
    expectTypeOf(wrong).toBeFunction();
  });
});

describe('HookError', () => {
  it('aggregates failures like AggregateError: errors, cause, a stable code and a message listing each', async () => {
    const { errors } = await createHookCollection([
      function flush() {
        throw new Error('disk full');
      },
      () => {
        throw new Error('socket closed');
      },
    ]).run();
    const error = new HookError('cleanup', errors);
    expect(error).toBeInstanceOf(XstateSupervisorError);
    expect(error.name).toBe('HookError');
    expect(error.code).toBe('HOOK_FAILED');
    expect(error.errors).toBe(errors);
    expect(error.cause).toBe(errors[0]?.error);
    expect(error.message).toBe(
      '2 hooks of cleanup failed: [0] flush: disk full; [1] anonymous: socket closed.',
    );
  });
});

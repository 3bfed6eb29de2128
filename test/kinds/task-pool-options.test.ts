/**
 * Bad task pool options, and a pool given to a worker it cannot serve: a typed error at
 * creation naming the option, the value received and what is expected.
 */
import { describe, expect, it } from 'vitest';
import { ServiceConfigError } from '../../src/core/errors.ts';
import { createPostgresQueue } from '../../src/durable/postgres/index.ts';
import { createMemoryQueue, type TaskQueue } from '../../src/kinds/queue.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { createTaskPool } from '../../src/kinds/task-pool.ts';
import { TaskPoolConfigError, type TaskPoolOptions } from '../../src/kinds/task-pool-options.ts';

function poolError(options: unknown): TaskPoolConfigError {
  try {
    createTaskPool(options as TaskPoolOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(TaskPoolConfigError);
    return e as TaskPoolConfigError;
  }
  throw new Error('expected createTaskPool to throw');
}

describe('task pool options', () => {
  it.each([
    [{}, 'concurrency', undefined, 'an integer >= 1 (required)'],
    [{ concurrency: 0 }, 'concurrency', 0, 'an integer >= 1'],
    [{ concurrency: 2.5 }, 'concurrency', 2.5, 'an integer >= 1'],
    [{ concurrency: 4, name: 'a b' }, 'name', 'a b', 'a string of letters'],
    [{ concurrency: 4, reserve: [1] }, 'reserve', [1], 'an object of priority to slots'],
    [{ concurrency: 4, reserve: { high: 1 } }, 'reserve["high"]', 'high', 'a finite priority'],
    [{ concurrency: 4, reserve: { 10: 0 } }, 'reserve[10]', 0, 'an integer >= 1'],
    [{ concurrency: 4, unthrottled: 'critical' }, 'unthrottled', 'critical', 'a finite priority'],
    [{ concurrency: 4, reserve: { 10: 1 }, unthrottled: 10 }, 'unthrottled', 10, 'greater than 10'],
  ])('rejects %j: `%s` got %j', (options, option, received, expected) => {
    const e = poolError(options);
    expect(e.code).toBe('TASK_POOL_CONFIG_INVALID');
    expect(e.option).toBe(option);
    expect(e.received).toEqual(received);
    expect(e.expected).toContain(expected);
    expect(e.message).toContain(`\`${option}\``);
  });

  it('rejects reserves that leave no slot for the lowest priorities, naming the limit', () => {
    const e = poolError({ name: 'io', concurrency: 3, reserve: { 10: 2, 50: 1 } });
    expect(e).toMatchObject({ code: 'TASK_POOL_CONFIG_INVALID', option: 'reserve', owner: 'io' });
    expect(e.message).toBe(
      'Invalid option `reserve` of task pool "io": expected reserves summing to less than concurrency (3), so the lowest priorities can still run, got `{"10":2,"50":1}` (object).',
    );
  });

  it('rejects an unknown option (a typo) with its own code', () => {
    const e = poolError({ concurrency: 2, reserved: { 10: 1 } });
    expect(e.code).toBe('TASK_POOL_CONFIG_UNKNOWN_OPTION');
    expect(e.option).toBe('reserved');
    expect(e.expected).toContain('name, concurrency, reserve, unthrottled');
  });

  it('accepts a pool with negative and fractional priorities', () => {
    const pool = createTaskPool({ concurrency: 4, reserve: { '-5': 1, 2.5: 1 }, unthrottled: 3 });
    expect(pool).toMatchObject({ name: 'pool', concurrency: 4, unthrottled: 3 });
    expect(pool.reserve).toEqual({ '-5': 1, '2.5': 1 });
  });
});

describe('queue worker `pool` option', () => {
  const handle = () => {};

  it('rejects something that is not a task pool', () => {
    expect(() =>
      createQueueWorker({ id: 'w', handle, pool: { concurrency: 4 } as never }),
    ).toThrowError(
      expect.objectContaining({
        code: 'SERVICE_CONFIG_INVALID',
        option: 'pool',
        expected: 'a task pool made by createTaskPool()',
      }),
    );
  });

  it('rejects a pool together with a custom or durable queue, and accepts the built-in queue', () => {
    const pool = createTaskPool({ name: 'shared', concurrency: 2 });
    const inner = createMemoryQueue<string>();
    const custom: TaskQueue<string> = {
      put: (task, priority) => inner.put(task, priority),
      take: (signal) => inner.take(signal),
      drain: () => inner.drain(),
      toArray: () => inner.toArray(),
      get size() {
        return inner.size;
      },
    };
    const durable = createPostgresQueue<string>({
      name: 'jobs',
      connection: { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' },
    });
    for (const queue of [custom, durable]) {
      let error: unknown;
      try {
        createQueueWorker({ id: 'w', handle, pool, queue });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ServiceConfigError);
      expect(error).toMatchObject({ option: 'pool', received: 'shared', owner: 'w' });
      expect((error as Error).message).toContain('no `pool` together with a durable or custom');
    }
    expect(() =>
      createQueueWorker({ id: 'w', handle, pool, queue: createMemoryQueue({ capacity: 3 }) }),
    ).not.toThrow();
  });
});

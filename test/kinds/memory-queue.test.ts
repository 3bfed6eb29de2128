import { describe, expect, it } from 'vitest';
import { ServiceConfigError } from '../../src/core/errors.ts';
import { createMemoryQueue } from '../../src/kinds/queue.ts';

const never = new AbortController().signal;

async function takeAll<T>(queue: ReturnType<typeof createMemoryQueue<T>>): Promise<T[]> {
  const out: T[] = [];
  while (queue.size > 0) out.push(await queue.take(never));
  return out;
}

describe('createMemoryQueue: order', () => {
  it('takes the highest priority first and keeps FIFO order within a priority', async () => {
    const queue = createMemoryQueue<string>();
    queue.put('low-1', 0);
    queue.put('high-1', 5);
    queue.put('low-2', 0);
    queue.put('neg', -3);
    queue.put('high-2', 5);
    queue.put('mid', 1);
    expect(await takeAll(queue)).toEqual(['high-1', 'high-2', 'mid', 'low-1', 'low-2', 'neg']);
  });

  it('matches a stable sort by descending priority on many random puts', async () => {
    const queue = createMemoryQueue<{ n: number; p: number }>();
    const items = Array.from({ length: 2_000 }, (_, n) => ({ n, p: (n * 7919) % 13 }));
    for (const item of items) queue.put(item, item.p);
    const expected = [...items].sort((a, b) => b.p - a.p || a.n - b.n);
    expect(queue.toArray()).toEqual(expected);
    expect(await takeAll(queue)).toEqual(expected);
  });

  it('keeps FIFO order across interleaved puts and takes (bucket compaction)', async () => {
    const queue = createMemoryQueue<number>();
    const taken: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      queue.put(i, 0);
      if (i % 3 === 0) taken.push(await queue.take(never));
    }
    taken.push(...(await takeAll(queue)));
    expect(taken).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
  });
});

describe('createMemoryQueue: capacity', () => {
  it('refuses a put beyond capacity (returns false) and accepts again after a take', async () => {
    const queue = createMemoryQueue<string>({ capacity: 2 });
    expect(queue.put('a', 0)).toBe(true);
    expect(queue.put('b', 9)).toBe(true);
    expect(queue.put('c', 99)).toBe(false);
    expect(queue.size).toBe(2);
    expect(await queue.take(never)).toBe('b');
    expect(queue.put('c', 99)).toBe(true);
    expect(queue.toArray()).toEqual(['c', 'a']);
  });

  it('is unbounded by default and says so', () => {
    const queue = createMemoryQueue<number>();
    for (let i = 0; i < 10_000; i++) expect(queue.put(i, 0)).toBe(true);
    expect(queue.capacity).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('createMemoryQueue: take', () => {
  it('waits while empty and resolves with the next put', async () => {
    const queue = createMemoryQueue<string>();
    const taken = queue.take(never);
    queue.put('late', 0);
    await expect(taken).resolves.toBe('late');
    expect(queue.size).toBe(0);
  });

  it('serves waiting takers in the order they came, one task each', async () => {
    const queue = createMemoryQueue<string>();
    const first = queue.take(never);
    const second = queue.take(never);
    queue.put('a', 0);
    queue.put('b', 0);
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
  });

  it('rejects with the signal reason when aborted, and a later put stays queued', async () => {
    const queue = createMemoryQueue<string>();
    const controller = new AbortController();
    const taken = queue.take(controller.signal);
    controller.abort(new Error('stop taking'));
    await expect(taken).rejects.toThrow('stop taking');
    queue.put('kept', 0);
    expect(queue.toArray()).toEqual(['kept']);
  });

  it('rejects at once when the signal is already aborted, even with tasks queued', async () => {
    const queue = createMemoryQueue<string>();
    queue.put('a', 0);
    await expect(queue.take(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(queue.size).toBe(1);
  });
});

describe('createMemoryQueue: drain and toArray', () => {
  it('drain() removes and returns every task in take order; toArray() removes nothing', () => {
    const queue = createMemoryQueue<string>();
    queue.put('a', 0);
    queue.put('b', 1);
    queue.put('c', 0);
    expect(queue.toArray()).toEqual(['b', 'a', 'c']);
    expect(queue.size).toBe(3);
    expect(queue.drain()).toEqual(['b', 'a', 'c']);
    expect(queue.size).toBe(0);
    expect(queue.drain()).toEqual([]);
    queue.put('d', 0);
    expect(queue.toArray()).toEqual(['d']);
  });
});

describe('createMemoryQueue: validation', () => {
  it.each([0, -1, 1.5, Number.NaN, '3'])(
    'rejects capacity %s with a ServiceConfigError naming it',
    (capacity) => {
      expect(() => createMemoryQueue({ capacity: capacity as number })).toThrow(
        expect.objectContaining({
          name: 'ServiceConfigError',
          option: 'capacity',
          received: capacity,
        }),
      );
    },
  );

  it('rejects an unknown option with SERVICE_CONFIG_UNKNOWN_OPTION', () => {
    const bad = { capacty: 3 } as unknown as { capacity: number };
    expect(() => createMemoryQueue(bad)).toThrow(ServiceConfigError);
    expect(() => createMemoryQueue(bad)).toThrow(
      expect.objectContaining({ code: 'SERVICE_CONFIG_UNKNOWN_OPTION', option: 'capacty' }),
    );
  });

  it('rejects a priority that is not a number', () => {
    const queue = createMemoryQueue<string>();
    expect(() => queue.put('a', Number.NaN)).toThrow(TypeError);
    expect(queue.size).toBe(0);
  });
});

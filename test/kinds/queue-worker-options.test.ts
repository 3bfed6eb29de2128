import { describe, expect, expectTypeOf, it } from 'vitest';
import { ServiceConfigError } from '../../src/core/errors.ts';
import { createMemoryQueue } from '../../src/kinds/queue.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import type { QueueWorkerOptions } from '../../src/kinds/queue-worker-options.ts';

describe('queue worker: options', () => {
  const base = { id: 'bad', handle() {} };
  it.each<[string, Record<string, unknown>]>([
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: 1.5 }],
    ['capacity', { capacity: 0 }],
    ['capacity', { capacity: 2, queue: createMemoryQueue() }],
    ['onFull', { onFull: 'drop' }],
    ['stopPolicy', { stopPolicy: 'finish' }],
    ['queue', { queue: { put() {} } }],
    ['onDiscard', { onDiscard: 'log' }],
    ['handle', { handle: undefined }],
    ['maxFailures', { maxFailures: -1 }],
  ])('rejects a bad `%s` with a ServiceConfigError naming it', (option, extra) => {
    const options = { ...base, ...extra } as unknown as QueueWorkerOptions<unknown>;
    expect(() => createQueueWorker(options)).toThrow(ServiceConfigError);
    expect(() => createQueueWorker(options)).toThrow(
      expect.objectContaining({ option, owner: 'bad', code: 'SERVICE_CONFIG_INVALID' }),
    );
  });

  it.each(['iterate', 'concurency', 'minPeriod'])(
    'rejects `%s` with SERVICE_CONFIG_UNKNOWN_OPTION',
    (option) => {
      const options = { ...base, [option]: 1 } as unknown as QueueWorkerOptions<unknown>;
      expect(() => createQueueWorker(options)).toThrow(
        expect.objectContaining({ option, code: 'SERVICE_CONFIG_UNKNOWN_OPTION' }),
      );
    },
  );

  it('types put() by onFull: nothing with reject, a promise with wait', () => {
    const rejecting = createQueueWorker({ id: 'r', handle: (_t: string) => {} });
    const waiting = createQueueWorker({ id: 'w', onFull: 'wait', handle: (_t: string) => {} });
    expectTypeOf(rejecting.put).returns.toEqualTypeOf<undefined>();
    expectTypeOf(waiting.put).returns.toEqualTypeOf<Promise<void>>();
    // @ts-expect-error the task type comes from handle
    rejecting.put(42);
  });
});

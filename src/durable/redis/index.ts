/**
 * `xstate-supervisor/redis`: the durable queue on Redis (BullMQ), and what it shares with the
 * other durable backends. Needs the optional peer dependencies `bullmq` and `ioredis`.
 */
export type {
  DurableQueue,
  DurableQueueStats,
  EnqueueOptions,
  Lease,
} from '../../kinds/durable-queue.ts';
export * from '../cluster-exports.ts';
export { type DurableBackendName, DurableConnectionError } from '../connection-error.ts';
export { DurableLeaseLostError, type LeaseLostReason } from '../lease.ts';
export {
  DURABLE_QUEUE_DEFAULTS,
  DurableConfigError,
  type DurableQueueOptions,
  type RetryPolicy,
} from '../queue-options.ts';
export { type RedisClusterOptions, redisLock, redisRegistry, redisTickClaims } from './cluster.ts';
export type { RedisConnection } from './connection.ts';
export {
  createRedisQueue,
  type RedisDeadLetter,
  type RedisQueue,
  type RedisQueueOptions,
} from './queue.ts';

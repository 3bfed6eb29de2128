/**
 * `xstate-supervisor/redis`: the durable queue on Redis (BullMQ), and what it shares with the
 * other durable backends. Needs the optional peer dependencies `bullmq` and `ioredis`.
 */
export * from '../shared-exports.ts';
export { type RedisClusterOptions, redisLock, redisRegistry, redisTickClaims } from './cluster.ts';
export type { RedisConnection } from './connection.ts';
export {
  createRedisQueue,
  type RedisDeadLetter,
  type RedisQueue,
  type RedisQueueOptions,
} from './queue.ts';

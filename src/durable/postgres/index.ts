/**
 * `xstate-supervisor/postgres`: the durable queue on PostgreSQL (pg-boss), and what it shares
 * with the other durable backends. Needs the optional peer dependencies `pg` and `pg-boss`.
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
export {
  type PostgresClusterOptions,
  postgresLock,
  postgresRegistry,
  postgresTickClaims,
} from './cluster.ts';
export type { PostgresConnection } from './connection.ts';
export {
  createPostgresQueue,
  type DeadLetter,
  type PostgresClient,
  type PostgresEnqueueOptions,
  type PostgresQueue,
  type PostgresQueueOptions,
} from './queue.ts';

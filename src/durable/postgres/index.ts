/**
 * `xstate-supervisor/postgres`: the durable queue on PostgreSQL (pg-boss), and what it shares
 * with the other durable backends. Needs the optional peer dependencies `pg` and `pg-boss`.
 */
export * from '../shared-exports.ts';
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

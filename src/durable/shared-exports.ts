/**
 * What the `xstate-supervisor/postgres` and `xstate-supervisor/redis` entries share (engine-free):
 * the durable queue's types and errors, and what running on several replicas takes: singletons,
 * cluster cron and the cluster view.
 */
export type {
  DurableQueue,
  DurableQueueStats,
  EnqueueOptions,
  Lease,
} from '../kinds/durable-queue.ts';
export {
  type ClusterMember,
  type ClusterView,
  type JoinClusterOptions,
  joinCluster,
  type ReplicaRecord,
  type ReplicaRegistry,
} from './cluster.ts';
export { type DurableBackendName, DurableConnectionError } from './connection-error.ts';
export {
  type ClusterCronOptions,
  type ClusterTick,
  createClusterCronService,
  type TickClaims,
} from './cron-cluster.ts';
export { DurableLeaseLostError, type LeaseLostReason } from './lease.ts';
export { type LockLease, LockLostError, type SingletonLock } from './lock.ts';
export {
  DURABLE_QUEUE_DEFAULTS,
  DurableConfigError,
  type DurableQueueOptions,
  type RetryPolicy,
} from './queue-options.ts';
export { type SingletonDetails, type SingletonOptions, singleton } from './singleton.ts';

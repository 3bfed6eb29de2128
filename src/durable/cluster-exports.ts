/**
 * What the `xstate-supervisor/postgres` and `xstate-supervisor/redis` entries share for running
 * on several replicas: singletons, cluster cron and the cluster view (engine-free).
 */
export {
  type ClusterMember,
  type ClusterView,
  type JoinClusterOptions,
  joinCluster,
  type ReplicaRecord,
  type ReplicaRegistry,
} from './cluster.ts';
export {
  type ClusterCronOptions,
  type ClusterTick,
  createClusterCronService,
  type TickClaims,
} from './cron-cluster.ts';
export { type LockLease, LockLostError, type SingletonLock } from './lock.ts';
export { type SingletonDetails, type SingletonOptions, singleton } from './singleton.ts';

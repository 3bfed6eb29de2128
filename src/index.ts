/**
 * xstate-supervisor: Erlang/OTP-style supervision trees for long-running Node services,
 * built on XState v5.
 *
 * The root holds what an application needs; the runtime's own events and helpers stay inside
 * (decision 0126). Test helpers are in `xstate-supervisor/testing`, the inspector's wire
 * protocol in `xstate-supervisor/inspector`, the durable queues in `xstate-supervisor/postgres`
 * and `xstate-supervisor/redis`.
 */

// Define services: a service, the ready kinds, isolated bodies, hooks and shared values.

export {
  type ContextGetOptions,
  type ContextKey,
  createContextKey,
  type SharedContext,
  sharedContextOf,
} from './actors/shared-context.ts';
export {
  createHookCollection,
  type Hook,
  HookCollection,
  type HookFailure,
  type HookRunResult,
} from './core/hook-collection.ts';
export type {
  ConfigCheck,
  ConfigOf,
  ConfigSpec,
  ConfigType,
  ConfigTypes,
  ServiceConfig,
  ServiceConfigOptions,
} from './core/service-config.ts';
export type { ServiceHook, ServiceHooks } from './core/service-hooks.ts';
export {
  SERVICE_DEFAULTS,
  type ServiceAction,
  type ServiceContext,
  type ServiceOptions,
  type TaskOptions,
} from './core/service-options.ts';
export { createProcessHub, type ProcessHubOptions } from './isolation/hub.ts';
export { exitOnParentDeath } from './isolation/process-child.ts';
export type { ProcessServiceOptions } from './isolation/process-options.ts';
export { createProcessService } from './isolation/process-service.ts';
export type { WorkerThreadContext, WorkerThreadModule } from './isolation/worker-protocol.ts';
export {
  createWorkerService,
  type WorkerServiceDetails,
  type WorkerServiceOptions,
} from './isolation/worker-service.ts';
export { ClientConnection } from './kinds/clients/client-connection.ts';
export { CLIENT_DEFAULTS, type TcpClientServiceOptions } from './kinds/clients/client-options.ts';
export {
  createTcpClientService,
  type TcpClientApi,
  type TcpClientMachine,
} from './kinds/clients/client-service.ts';
export {
  type CronDetails,
  type CronServiceOptions,
  createCronService,
} from './kinds/cron.ts';
export {
  createEventWorker,
  type EventWorkerApi,
  type EventWorkerMachine,
  type EventWorkerOptions,
} from './kinds/event-worker.ts';
export {
  createPeriodicService,
  type PeriodicDetails,
  type PeriodicServiceOptions,
} from './kinds/periodic.ts';
export type { PeriodicOverlap, PeriodicScheduleKind } from './kinds/periodic-schedule.ts';
export { createMemoryQueue, type MemoryQueueOptions, type TaskQueue } from './kinds/queue.ts';
export { createQueueWorker } from './kinds/queue-worker.ts';
export {
  type OnFull,
  type PutOptions,
  type PutResult,
  QUEUE_WORKER_DEFAULTS,
  type QueueTaskContext,
  type QueueWorkerApi,
  type QueueWorkerMachine,
  type QueueWorkerOptions,
  type StopPolicy,
} from './kinds/queue-worker-options.ts';
export {
  createRecurringService,
  type RecurringDetails,
  type RecurringServiceOptions,
} from './kinds/recurring.ts';
export type { RecurringNext } from './kinds/recurring-next.ts';
export type { ScheduledCommonOptions } from './kinds/scheduled-options.ts';
export { createHttpService, type HttpServiceOptions } from './kinds/servers/http-service.ts';
export { reusePortSupported } from './kinds/servers/reuse-port.ts';
export {
  type HandlerErrorPolicy,
  SERVER_DEFAULTS,
  type ServerServiceOptions,
  type ServerSocketOptions,
} from './kinds/servers/server-options.ts';
export { createTcpService, type TcpServiceOptions } from './kinds/servers/tcp-service.ts';
export { createTlsService, type TlsServiceOptions } from './kinds/servers/tls-service.ts';
export { createUdpService, type UdpServiceOptions } from './kinds/servers/udp-service.ts';
export { createTaskPool } from './kinds/task-pool.ts';
export {
  TASK_POOL_DEFAULTS,
  type TaskPool,
  type TaskPoolOptions,
  type TaskPoolStats,
} from './kinds/task-pool-options.ts';
export { createService, type ServiceMachine } from './machines/service.ts';

// Supervise: a tree of services and your own actors, its strategy, intensity and backoff.

export type { SupervisorCommand } from './actors/supervisor-commands.ts';
export { type BackoffOptions, backoffDelay } from './core/backoff.ts';
export type { RestartType } from './core/exit-reason.ts';
export { STRATEGIES, type Strategy } from './core/restart-strategy.ts';
export {
  type SupervisedActor,
  type SuperviseOptions,
  supervise,
} from './machines/supervise.ts';
export { createSupervisor, type SupervisorMachine } from './machines/supervisor.ts';
export {
  type AutoShutdown,
  SUPERVISOR_DEFAULTS,
  type SupervisorHookContext,
  type SupervisorOptions,
} from './machines/supervisor-options.ts';

// Run and control: run an application, stop a tree, and command it over HTTP.

export { type ShutdownOptions, shutdown } from './actors/shutdown.ts';
export {
  type ControlRequestOptions,
  type ControlResponse,
  controlRequest,
  DEFAULT_CONTROL_TIMEOUT,
} from './control/client.ts';
export {
  type ControlClient,
  type ControlClientOptions,
  type ControlEvent,
  createControlClient,
  type ReadyState,
} from './control/control-client.ts';
export { type PerformOptions, perform } from './control/perform.ts';
export {
  type ControlServer,
  type ControlServerOptions,
  createControlServer,
} from './control/server.ts';
export { type RunHandle, type RunOptions, type RunResult, run } from './run/run.ts';

// Observe: the tree, the reports, logs, telemetry and the inspector.

export { getTree } from './actors/tree.ts';
export {
  type ConsoleLoggerOptions,
  createConsoleLogger,
  type LogFn,
  type LogFormat,
  type Logger,
  type LogLevel,
  silentLogger,
} from './core/logger.ts';
export type { SupervisorReport, SupervisorReportType } from './core/reports.ts';
export type { LifecycleState, TreeNode } from './core/tree-node.ts';
export {
  createInspectorServer,
  type InspectorControlOptions,
  type InspectorServer,
  type InspectorServerOptions,
} from './inspector/server.ts';
export type { StatelyInspectionEvent, StatelyTarget } from './inspector/stately.ts';
export {
  instrumentTree,
  type TelemetryOptions,
  type TreeInstrumentation,
} from './telemetry/instrument.ts';

// Errors: what the package throws, each with a stable `code`, and what an action may throw.

export { ReadyTimeoutError } from './actors/actor-child.ts';
export { SharedContextError } from './actors/shared-context.ts';
export { IntensityExceededError, SupervisorStartVetoedError } from './actors/supervisor-errors.ts';
export { ActionError } from './control/action-error.ts';
export {
  type PerformClientErrorCode,
  PerformError,
  type PerformErrorDetails,
} from './control/perform-error.ts';
export {
  CommandError,
  type ConfigErrorDetails,
  KilledError,
  ServiceConfigError,
  StartTimeoutError,
  SupervisorConfigError,
  XstateSupervisorError,
} from './core/errors.ts';
export { HookError } from './core/hook-collection.ts';
export {
  type ProcessExitDetails,
  ProcessExitError,
  ProcessStartError,
} from './isolation/process-errors.ts';
export { WorkerThreadError } from './isolation/worker-protocol.ts';
export { ClientConnectError, ClientStateError } from './kinds/clients/client-errors.ts';
export { QueueFullError } from './kinds/queue-worker-options.ts';
export { RecurringResultError } from './kinds/recurring-next.ts';
export { type ServerListenDetails, ServerListenError } from './kinds/servers/listen-error.ts';
export { TaskPoolConfigError } from './kinds/task-pool-options.ts';
export { type RunOptionProblem, RunOptionsError } from './run/run.ts';

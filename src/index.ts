/**
 * xstate-supervisor: Erlang/OTP-style supervision trees for long-running Node services,
 * built on XState v5.
 */
export type { LoopReport } from './actors/loop.ts';
export { isBackToBack, nextStart, type Pacing } from './actors/pacing.ts';
export {
  CommandError,
  type ConfigErrorDetails,
  KilledError,
  ServiceConfigError,
  SupervisorConfigError,
  XstateSupervisorError,
} from './errors.ts';
export type { ExitReason, RestartType } from './internal/exit-reason.ts';
export {
  type ConsoleLoggerOptions,
  createConsoleLogger,
  type LogFn,
  type Logger,
  type LogLevel,
  silentLogger,
} from './logger.ts';
export { createService, type ServiceEvent, type ServiceMachine } from './machines/service.ts';
export {
  SERVICE_DEFAULTS,
  type ServiceContext,
  type ServiceOptions,
} from './machines/service-options.ts';
export { type RunHandle, type RunOptions, type RunResult, run } from './run.ts';
export { type ShutdownOptions, shutdown } from './shutdown.ts';
export { getTree } from './tree.ts';
export type { LifecycleState, TreeNode } from './tree-node.ts';

/**
 * `xstate-supervisor/testing`: run a supervision tree on simulated time in a test, with its
 * reports and logs kept (SPEC §9). No dependency on a test runner.
 */
export type { LogRecord } from './capture-logger.ts';
export {
  createTestSystem,
  type TestSystem,
  type TestSystemOptions,
  type TimedReport,
  type TreePath,
  type WaitForOptions,
} from './test-system.ts';
export { TestSystemError, type TestSystemErrorCode } from './test-system-error.ts';
export { liveWorkerThreads } from './worker-threads.ts';

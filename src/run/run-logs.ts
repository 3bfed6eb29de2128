/**
 * What a run says, as the named actions of its statechart: one log line per step, with the
 * same messages and fields whichever way the run goes.
 */
import { errorFields } from '../core/logger.ts';
import type { RunContext, RunEvent } from './run-events.ts';

type Args = { readonly context: RunContext; readonly event: RunEvent };

/** A log line naming the signal of a `run.signal` event. */
const signalLog =
  (level: 'info' | 'error', message: string) =>
  ({ context, event }: Args) =>
    context.options.logger[level](
      { signal: event.type === 'run.signal' ? event.signal : undefined },
      message,
    );

/** The log actions of the run's statechart, by name. @internal */
export const runLogs = {
  logSignal: signalLog('info', 'signal received; shutting down gracefully'),
  logSignalWhileStarting: signalLog(
    'info',
    'signal received while starting; stopping what has started',
  ),
  logStoppedOnItsOwn: ({ context }: Args) =>
    context.options.logger.info('the root stopped on its own'),
  /** Last, once everything is up, so the URLs are the last lines and do not scroll away. */
  announceRunning: ({ context }: Args) =>
    context.options.logger.info(
      {
        root: context.root.id,
        ...(context.inspector && { inspector: context.inspector.url }),
        ...(context.control && { control: context.control.url }),
      },
      'running; press Ctrl+C to stop',
    ),
  logReadinessFails: ({ context }: Args) =>
    context.options.logger.info(
      { shutdownDelay: context.options.shutdownDelay },
      'readiness now fails (/readyz 503); the shutdown begins after shutdownDelay',
    ),
  logShutdownComplete: ({ context }: Args) => context.options.logger.info('shutdown complete'),
  logOverrun: ({ context }: Args) =>
    context.options.logger.error(
      { shutdownTimeout: context.options.shutdownTimeout },
      'shutdown overran shutdownTimeout; exiting with code 70',
    ),
  logSecondSignal: signalLog('error', 'second signal during shutdown; exiting now with code 70'),
  logSignalWhileExiting: signalLog('error', 'signal while exiting; exiting now with code 70'),
  /** The root's failure was logged with its stack where it happened: its message only here. */
  logFailure: ({ context, event }: Args) => {
    if (event.type === 'root.failed') {
      context.options.logger.error(
        errorFields(event.error),
        'the root failed; exiting with code 1',
      );
    } else if (event.type === 'run.fail') {
      context.options.logger.error(errorFields(event.error), event.message);
    }
  },
  logCrash: ({ context, event }: Args) => {
    if (event.type !== 'root.crashed') return;
    context.options.logger.error(
      errorFields(event.error),
      'the root actor crashed; exiting with code 1',
    );
  },
  logHandOverFailed: ({ context, event }: Args) =>
    context.options.logger.error(
      { err: 'error' in event ? event.error : undefined },
      'handing the queues over failed',
    ),
};

/**
 * A supervisor's start and stop sequences: `onStart`, then its children in order (a failed
 * start stops the started ones in reverse); a stop in reverse order, then `onStop`; a stop
 * that comes during the start aborts it. Each runs in the supervisor's decision queue.
 */
import { XstateSupervisorError } from '../core/errors.ts';
import { type ExitReason, failure, SHUTDOWN } from '../core/exit-reason.ts';
import { type Logger, markLogged, wasLogged } from '../core/logger.ts';
import type { SupervisorReportType } from '../core/reports.ts';
import type { ResolvedSupervisorOptions } from '../core/supervisor-config.ts';
import type { SupervisedChild } from './child-contract.ts';
import type { RestartScheduler } from './restart-scheduler.ts';
import { SupervisorStartVetoedError } from './supervisor-errors.ts';
import type { SupervisorHooks } from './supervisor-hooks.ts';

/**
 * What the sequences need of the supervisor they run in (its core implements it). Declared
 * here so the sequences do not depend on the core that calls them.
 *
 * @example
 * ```ts
 * class Core implements StartStopHost { startAll() { return startInOrder(this); } ... }
 * ```
 */
export interface StartStopHost {
  readonly opts: ResolvedSupervisorOptions;
  readonly children: SupervisedChild[];
  readonly logger: Logger;
  readonly hooks: SupervisorHooks;
  readonly restartScheduler: RestartScheduler;
  generation: number;
  failures: number;
  exit: ExitReason;
  accepting: boolean;
  /** The child being started now (the one a stop of the supervisor aborts). */
  readonly starting: SupervisedChild | undefined;
  /** A stop (or failure) came while the children were starting: the start ends early. */
  startAborted: boolean;
  enqueue<T>(op: () => Promise<T>): Promise<T>;
  startChild(rec: SupervisedChild, started: SupervisorReportType, why?: unknown): Promise<boolean>;
  stopAndReport(rec: SupervisedChild, why: string, reportStop?: boolean): Promise<void>;
  setExit(reason: ExitReason): void;
}

/**
 * Starts every child in order, after `onStart`; a failed start stops the started ones in
 * reverse and throws (`CHILD_START_FAILED`), a veto of `onStart` throws
 * `SupervisorStartVetoedError`.
 *
 * @example
 * ```ts
 * await startInOrder(core); // core.accepting is true once every child runs
 * ```
 */
export function startInOrder(core: StartStopHost): Promise<void> {
  return core.enqueue(async () => {
    core.generation++;
    core.restartScheduler.window.reset();
    core.failures = 0;
    core.exit = SHUTDOWN;
    core.startAborted = false;
    if (!(await openSession(core))) return;
    const started: SupervisedChild[] = [];
    for (const rec of core.children) {
      const ok = await core.startChild(rec, 'child.started');
      if (core.startAborted) {
        // Stopped while starting: what started stops in reverse; the pending exit applies.
        for (let i = started.length - 1; i >= 0; i--) {
          await core.stopAndReport(started[i]!, 'supervisor stopping');
        }
        return;
      }
      if (!ok) {
        const reason = rec.exitReason();
        const error =
          reason._tag === 'Failure' ? reason.error : new Error(`child "${rec.id}" did not start`);
        for (let i = started.length - 1; i >= 0; i--) {
          await core.stopAndReport(started[i]!, 'start rolled back');
        }
        const startError = new XstateSupervisorError(
          'CHILD_START_FAILED',
          `Supervisor "${core.opts.id}" could not start child "${rec.id}": ${error.message}`,
          { cause: error },
        );
        core.setExit(failure(startError));
        // The child's failure was logged with its stack (by the child, or by its report):
        // this line and the ones about the supervisor's own failure give the message.
        markLogged(startError);
        core.logger.error(
          {
            child: rec.id,
            rolledBack: started.map((c) => c.id),
            code: startError.code,
            reason: error.message,
          },
          'a child failed to start; started children stopped in reverse order',
        );
        await core.hooks.close();
        throw core.exit._tag === 'Failure' ? core.exit.error : error;
      }
      // Every child that started, even one that has already begun to fail on its own: a
      // rollback must reach it (and report its end), whatever state it is in by then.
      started.push(rec);
    }
    core.accepting = true;
  });
}

/**
 * A stop (or failure) came while the children start: the child starting now is asked to
 * stop (which aborts its start), and no later child starts.
 *
 * @example
 * ```ts
 * abortStarting(core); // then stopInReverse(core) stops what did start
 * ```
 */
export function abortStarting(core: StartStopHost): void {
  core.hooks.abortStart();
  if (core.startAborted) return;
  core.startAborted = true;
  core.starting?.requestStop();
}

/**
 * Stops accepting exits now (sync), then stops every child in reverse order, then `onStop`.
 *
 * @example
 * ```ts
 * await stopInReverse(core);
 * ```
 */
export function stopInReverse(core: StartStopHost): Promise<void> {
  core.accepting = false;
  core.restartScheduler.cancelDelayed();
  // A start under way (a restart's, a command's) is aborted, not waited out to its timeout.
  abortStarting(core);
  return core.enqueue(async () => {
    const children = core.children;
    for (let i = children.length - 1; i >= 0; i--) {
      await core.stopAndReport(children[i]!, 'supervisor stopping');
    }
    await core.hooks.close();
  });
}

/**
 * The supervisor actor itself is being stopped: stop every child actor at once (no waiting).
 *
 * @example
 * ```ts
 * disposeAll(core); // from the actor's own stop
 * ```
 */
export function disposeAll(core: StartStopHost): void {
  core.accepting = false;
  core.restartScheduler.cancelDelayed();
  const children = core.children;
  for (let i = children.length - 1; i >= 0; i--) children[i]!.dispose();
  // The pairing holds even so: onStop runs, with nobody waiting for it.
  void core.hooks.close();
}

/**
 * Runs `onStart` before the first child starts. Resolves to whether the children start:
 * false when a stop came meanwhile (the pending exit applies; `onStop` follows through the
 * stop if `onStart` completed). A veto (a throw, `false`, `hookTimeout`) fails the start,
 * reported only once what `onStart` did has been undone.
 */
async function openSession(core: StartStopHost): Promise<boolean> {
  const out = await core.hooks.open(core.generation, () => core.startAborted);
  if (out === 'open') return true;
  if (out === 'stopped') return false;
  const veto = new SupervisorStartVetoedError(core.opts.id, out.how, out.cause);
  core.setExit(failure(veto));
  if (!wasLogged(veto.cause)) {
    core.logger.error({ code: veto.code, reason: veto.message }, 'onStart vetoed the start');
  }
  // Its line (or onStart's own) is this failure's one line: its parent's is not.
  markLogged(veto);
  throw veto;
}

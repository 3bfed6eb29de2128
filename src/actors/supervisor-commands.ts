/**
 * The manual commands a supervisor accepts (`child.start`, `child.stop`, `child.restart`,
 * `child.hard-reset`, `child.fail`, `child.add`, `child.remove`). Manual restarts do not count
 * against `maxRestarts`; `child.fail` does, as any failure.
 */

import { type ChildSpec, type SupervisedActor, specOf } from '../core/child-spec.ts';
import { CommandError, toError } from '../core/errors.ts';
import type { SupervisorReportType } from '../core/reports.ts';
import { checkSignificant, type ResolvedSupervisorOptions } from '../core/supervisor-config.ts';
import type { TreeNode } from '../core/tree-node.ts';
import type { AnyStateMachine } from '../internal/xstate.ts';
import type { SupervisedChild } from './child-contract.ts';
import { IDLE_STOPPED_OR_FAILED } from './lifecycle-groups.ts';

/**
 * What the commands need of the supervisor they run on (its core implements it): the children,
 * the serialized queue, and the start, stop and report steps. Declared here so the commands do
 * not depend on the core that calls them.
 */
export interface CommandHost {
  readonly opts: ResolvedSupervisorOptions;
  readonly children: SupervisedChild[];
  readonly byId: Map<string, SupervisedChild>;
  readonly accepting: boolean;
  addRecord(definition: object, spec: ChildSpec): SupervisedChild;
  enqueue<T>(op: () => Promise<T>): Promise<T>;
  startChild(rec: SupervisedChild, started: SupervisorReportType, why?: unknown): Promise<boolean>;
  stopAndReport(rec: SupervisedChild, why: string, reportStop?: boolean): Promise<void>;
  settleOwnExit(rec: SupervisedChild): boolean;
  report(type: SupervisorReportType, rec: SupervisedChild, reason?: unknown): void;
}
/**
 * A manual command, as an event sent to a supervisor actor; `id` names a direct child.
 *
 * Gotchas: an event has no reply, so a refused command (an unknown id, stopping a stopped
 * child, any command while the supervisor is not running but `child.remove`) is only logged
 * at `warn` ("command refused"); watch the reports (`child.restarted`, ...) to see it done.
 * Commands wait their turn behind every decision already queued. Manual commands do not count
 * against `maxRestarts`, except `child.fail`, which is a failure like any other.
 * `child.hard-reset` on a child supervisor is a `child.restart`. `child.add` takes the same
 * children as `children` (a service or supervisor machine, your own machine, or a
 * `supervise()` result), and starts it only if the supervisor is running. `child.send`
 * forwards `event` to a supervised actor's running generation at once, never queued: while
 * it does not run, the event is refused (logged at `warn`).
 *
 * @example
 * ```ts
 * actor.send({ type: 'child.restart', id: 'poller' });
 * actor.send({ type: 'child.fail', id: 'poller', error: new Error('stale data') });
 * actor.send({ type: 'child.add', child: createService({ id: 'extra', iterate() {} }) });
 * actor.send({ type: 'child.send', id: 'db', event: { type: 'db.ping' } });
 * ```
 */
export type SupervisorCommand =
  | { type: 'child.start'; id: string }
  | { type: 'child.stop'; id: string }
  | { type: 'child.restart'; id: string }
  | { type: 'child.hard-reset'; id: string }
  | { type: 'child.fail'; id: string; error?: unknown }
  | { type: 'child.add'; child: AnyStateMachine | SupervisedActor }
  | { type: 'child.remove'; id: string }
  | { type: 'child.send'; id: string; event: { type: string; [key: string]: unknown } };

function rejected(code: string, message: string): Promise<never> {
  return Promise.reject(new CommandError(code, message));
}

/** Validates a command at once, then runs it in the supervisor's decision queue. @internal */
export function runCommand(
  core: CommandHost,
  cmd: SupervisorCommand,
  rejectIfBusy: boolean,
): Promise<TreeNode> {
  const sup = core.opts.id;
  if (cmd.type === 'child.add') return addChild(core, cmd.child);
  const rec = core.byId.get(cmd.id);
  if (!rec) {
    return rejected(
      'UNKNOWN_CHILD',
      `Supervisor "${sup}" has no child "${String(cmd.id)}"; known: ${[...core.byId.keys()].join(', ') || 'none'}.`,
    );
  }
  if (cmd.type !== 'child.remove' && !core.accepting) {
    return rejected(
      'SUPERVISOR_NOT_RUNNING',
      `Supervisor "${sup}" is not running; "${cmd.type}" on "${rec.id}" is refused.`,
    );
  }
  if (cmd.type === 'child.send') return sendToChild(core, rec, cmd.event);
  if (rec.busy && rejectIfBusy) {
    return rejected(
      'CHILD_BUSY',
      `Child "${rec.id}" of "${sup}" is busy with another command; try again when it completes.`,
    );
  }
  rec.busy = true;
  rec.pending++;
  const done = core.enqueue(() => execute(core, rec, cmd));
  // A `child.fail` completes once the supervisor has handled the failure it causes.
  const settled =
    cmd.type === 'child.fail'
      ? done.then(async () => {
          await core.enqueue(async () => {});
          return rec.node();
        })
      : done;
  return settled.finally(() => {
    rec.busy = --rec.pending > 0;
  });
}

async function execute(
  core: CommandHost,
  rec: SupervisedChild,
  cmd: SupervisorCommand,
): Promise<TreeNode> {
  const where = `child "${rec.id}" of "${core.opts.id}"`;
  const state = rec.state;
  switch (cmd.type) {
    case 'child.start': {
      if (!IDLE_STOPPED_OR_FAILED.has(state))
        throw new CommandError('ALREADY_RUNNING', `Cannot start ${where}: it is ${state}.`);
      // Its own exit, if still undecided, is reported first: the start does not hide it.
      core.settleOwnExit(rec);
      if (!(await core.startChild(rec, 'child.started', 'manual'))) {
        throw new CommandError(
          'START_FAILED',
          `Starting ${where} failed: ${rec.node().lastError?.message ?? 'unknown error'}.`,
        );
      }
      return rec.node();
    }
    case 'child.stop': {
      // A child waiting out a backoff, or whose own end is not decided yet, is down already:
      // the stop cancels its restart.
      const restartPending = rec.awaitingRestart;
      if (IDLE_STOPPED_OR_FAILED.has(state) && !restartPending && !rec.exitUnreported)
        throw new CommandError('ALREADY_STOPPED', `Cannot stop ${where}: it is ${state}.`);
      await core.stopAndReport(rec, 'manual');
      if (restartPending) core.report('child.stopped', rec, 'manual');
      return rec.node();
    }
    case 'child.restart': {
      // Its own exit first, if still undecided; a child stopping on its own is waited for.
      core.settleOwnExit(rec);
      if (!IDLE_STOPPED_OR_FAILED.has(rec.state)) {
        await core.stopAndReport(rec, 'manual restart', false);
      }
      if (!(await core.startChild(rec, 'child.restarted', 'manual'))) {
        throw new CommandError(
          'START_FAILED',
          `Restarting ${where} failed: ${rec.node().lastError?.message ?? 'unknown error'}.`,
        );
      }
      return rec.node();
    }
    case 'child.hard-reset': {
      if (state !== 'running')
        throw new CommandError('NOT_RUNNING', `Cannot hard-reset ${where}: it is ${state}.`);
      if (rec.spec.kind === 'supervisor')
        return execute(core, rec, { type: 'child.restart', id: rec.id });
      // A failure (or stop) that ended the generation during the reset is its own exit,
      // decided in the queue after this command: the reset did not happen.
      if (await rec.hardReset()) core.report('child.restarted', rec, 'hard-reset');
      return rec.node();
    }
    case 'child.fail': {
      if (state !== 'running' && state !== 'starting')
        throw new CommandError('NOT_RUNNING', `Cannot fail ${where}: it is ${state}.`);
      const error = toError(cmd.error ?? `child.fail command on "${rec.id}"`);
      await rec.fail(error);
      return rec.node();
    }
    case 'child.remove': {
      await core.stopAndReport(rec, 'removed', false);
      rec.dispose();
      core.children.splice(core.children.indexOf(rec), 1);
      core.byId.delete(rec.id);
      core.report('child.stopped', rec, 'removed');
      return { ...rec.node(), state: 'stopped' };
    }
    default:
      throw new CommandError('UNKNOWN_COMMAND', `Unknown command on ${where}.`);
  }
}

function addChild(core: CommandHost, given: unknown): Promise<TreeNode> {
  const sup = core.opts.id;
  let child: object | undefined;
  try {
    child = core.opts.accept(given);
  } catch (e) {
    return rejected('INVALID_CHILD', `child.add on "${sup}": ${(e as Error).message}`);
  }
  const spec = specOf(child);
  if (!child || !spec)
    return rejected(
      'INVALID_CHILD',
      `child.add on "${sup}" expects a machine (createService, createSupervisor, or your own with an id) or a supervise() result.`,
    );
  if (core.byId.has(spec.id)) {
    return rejected(
      'DUPLICATE_CHILD',
      `Child id "${spec.id}" already exists in supervisor "${sup}"; ids must be unique.`,
    );
  }
  try {
    checkSignificant(spec, core.opts.autoShutdown, 'child', (d) => {
      throw new CommandError('INVALID_CHILD', `child.add on "${sup}": expected ${d.expected}.`);
    });
  } catch (e) {
    return Promise.reject(e);
  }
  const rec = core.addRecord(child, spec);
  rec.busy = true;
  return core
    .enqueue(async () => {
      if (core.accepting) await core.startChild(rec, 'child.started', 'added');
      return rec.node();
    })
    .finally(() => {
      rec.busy = false;
    });
}

/** `child.send`: delivered now to the running generation, or refused; never queued. */
function sendToChild(core: CommandHost, rec: SupervisedChild, event: unknown): Promise<TreeNode> {
  const where = `child "${rec.id}" of "${core.opts.id}"`;
  if (
    typeof event !== 'object' ||
    event === null ||
    typeof (event as { type?: unknown }).type !== 'string'
  ) {
    return rejected(
      'INVALID_EVENT',
      `child.send to ${where} needs an event object with a string \`type\`.`,
    );
  }
  if ((event as { type: string }).type.startsWith('xstate.')) {
    // XState's own events (`xstate.stop`, ...) would end or corrupt the actor behind the
    // supervisor's back: the supervisor's commands do that.
    return rejected(
      'RESERVED_EVENT',
      `child.send to ${where}: "${(event as { type: string }).type}" is one of XState's own events; use the supervisor's commands (child.stop, child.restart) instead.`,
    );
  }
  if (rec.spec.kind !== 'actor') {
    return rejected(
      'NOT_AN_ACTOR',
      `Cannot send an event to ${where}: it is a ${rec.spec.kind}; child.send reaches supervised actors only.`,
    );
  }
  if (!rec.send(event as { type: string })) {
    return rejected(
      'NOT_RUNNING',
      `Cannot send "${(event as { type: string }).type}" to ${where}: it is ${rec.state}; the event is dropped, not queued.`,
    );
  }
  return Promise.resolve(rec.node());
}

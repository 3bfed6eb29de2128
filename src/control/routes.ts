/**
 * The handlers behind the control API's routes.
 */
import type { IncomingMessage } from 'node:http';
import type { ServiceRuntime } from '../actors/loop.ts';
import type { SupervisorCommand } from '../actors/supervisor-commands.ts';
import { CommandError, toError } from '../errors.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import type { Logger } from '../logger.ts';
import { lifecycleOf } from '../tree.ts';
import type { TreeNode } from '../tree-node.ts';
import { ActionError } from './action-error.ts';
import { HttpError, readJson } from './http.ts';
import { coreOf, locate, walkChildren } from './resolve.ts';

const COMMANDS = new Set(['start', 'stop', 'restart', 'hard-reset', 'fail']);

function rootState(actor: AnyActorRef) {
  return lifecycleOf((actor.getSnapshot() as { value: unknown }).value);
}

/** `GET /healthz`: healthy unless the root has failed. */
export function healthz(actor: AnyActorRef): { ok: boolean; state: string } {
  const state = rootState(actor);
  return { ok: state !== 'failed', state };
}

/**
 * `GET /readyz`: ready when the root runs and every permanent service and supervised actor in
 * the tree runs.
 */
export function readyz(actor: AnyActorRef): { ready: boolean; notRunning: string[] } {
  const notRunning: string[] = [];
  if (rootState(actor) !== 'running') notRunning.push('/');
  walkChildren(actor, (record, path) => {
    if (
      record.spec.kind !== 'supervisor' &&
      record.spec.restart === 'permanent' &&
      record.state !== 'running'
    ) {
      notRunning.push(path.join('/'));
    }
  });
  return { ready: notRunning.length === 0, notRunning };
}

function notFound(path: readonly string[]): HttpError {
  return new HttpError(404, 'UNKNOWN_CHILD', `No child at path "${path.join('/')}".`);
}

/** `POST /services/<path>/<command>`: runs the command and answers the child's node. */
export async function handleCommand(
  actor: AnyActorRef,
  rest: readonly string[],
): Promise<TreeNode> {
  const command = rest[rest.length - 1]!;
  const path = rest.slice(0, -1);
  if (!COMMANDS.has(command)) {
    throw new HttpError(
      404,
      'UNKNOWN_COMMAND',
      `Unknown command "${command}"; use start, stop, restart, hard-reset or fail.`,
    );
  }
  if (!coreOf(actor))
    throw new HttpError(
      404,
      'NOT_A_SUPERVISOR',
      'The root is not a supervisor; it has no children.',
    );
  const found = locate(actor, path);
  if (!found) throw notFound(path);
  const cmd = { type: `child.${command}`, id: found.record.id } as SupervisorCommand;
  try {
    return await found.core.command(cmd, true);
  } catch (e) {
    if (e instanceof CommandError) {
      if (e.code === 'UNKNOWN_CHILD') throw notFound(path);
      throw new HttpError(409, e.code, e.message);
    }
    throw e;
  }
}

/** `POST /actions/<path>/<name>`: calls the service's action with the JSON body. */
export async function handleAction(
  actor: AnyActorRef,
  rest: readonly string[],
  req: IncomingMessage,
  logger: Logger,
): Promise<unknown> {
  const name = rest[rest.length - 1]!;
  const path = rest.slice(0, -1);
  const found = locate(actor, path);
  if (!found) throw notFound(path);
  const rt = (
    found.record.actor?.getSnapshot() as { context?: { rt?: ServiceRuntime } } | undefined
  )?.context?.rt;
  const action = rt
    ? Object.hasOwn(rt.opts.actions, name)
      ? rt.opts.actions[name]
      : undefined
    : undefined;
  if (!rt || !action) {
    throw new HttpError(
      404,
      'UNKNOWN_ACTION',
      `Service "${path.join('/')}" has no action "${name}".`,
    );
  }
  const data = await readJson(req);
  const ctx = rt.actionContext();
  if (!ctx) {
    throw new HttpError(
      409,
      'NOT_RUNNING',
      `Service "${path.join('/')}" is ${found.record.state}; actions run only while it runs.`,
    );
  }
  try {
    const result = await action(data, ctx);
    return result === undefined ? null : result;
  } catch (e) {
    if (e instanceof ActionError) throw new HttpError(e.status, e.code, e.message);
    logger.error({ path: path.join('/'), action: name, err: toError(e) }, 'action failed');
    throw new HttpError(500, 'INTERNAL', `Action "${name}" failed; see the server log.`);
  }
}

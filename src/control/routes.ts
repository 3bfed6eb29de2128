/**
 * The handlers behind the control API's routes.
 */
import type { IncomingMessage } from 'node:http';
import { lifecycleOf } from '../actors/own-runtime.ts';
import { serviceRuntimeOf } from '../actors/runtime-of.ts';
import type { SupervisorCommand } from '../actors/supervisor-commands.ts';
import { CommandError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { TreeNode } from '../core/tree-node.ts';
import { type ClusterView, clusterMemberOf } from '../durable/cluster.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import { ActionError } from './action-error.ts';
import { HttpError, readJson } from './http.ts';
import { coreOf, type Located, locate, walkChildren } from './resolve.ts';

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

/** The child at `path` below a supervisor root, or the 404 that says why there is none. */
function locateChild(actor: AnyActorRef, path: readonly string[]): Located {
  if (!coreOf(actor))
    throw new HttpError(
      404,
      'NOT_A_SUPERVISOR',
      'The root is not a supervisor; it has no children.',
    );
  const found = locate(actor, path);
  if (!found) throw notFound(path);
  return found;
}

/** Runs a supervisor command; a refusal becomes 404 (unknown child), 400 (bad event) or 409. */
async function runCommand(
  found: Located,
  path: readonly string[],
  cmd: SupervisorCommand,
): Promise<TreeNode> {
  try {
    return await found.core.command(cmd, true);
  } catch (e) {
    if (e instanceof CommandError) {
      if (e.code === 'UNKNOWN_CHILD') throw notFound(path);
      throw new HttpError(
        e.code === 'INVALID_EVENT' || e.code === 'RESERVED_EVENT' ? 400 : 409,
        e.code,
        e.message,
      );
    }
    throw e;
  }
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
      `Unknown command "${command}"; use start, stop, restart, hard-reset, fail or send.`,
    );
  }
  const found = locateChild(actor, path);
  const cmd = { type: `child.${command}`, id: found.record.id } as SupervisorCommand;
  return runCommand(found, path, cmd);
}

/** What kind of JSON value `value` is, with its article: `an array`, `a number`, `null`. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** What a body that is not an event is, for a message that says what was received. */
function describeBody(value: unknown): string {
  if (value === null) return 'null (an empty body reads as null)';
  if (kindOf(value) !== 'an object') return kindOf(value);
  const type = (value as { type?: unknown }).type;
  return type === undefined
    ? 'an object without `type`'
    : `an object whose \`type\` is ${kindOf(type)}`;
}

/**
 * `POST /services/<path>/send`: delivers the JSON body as an event to the running generation
 * of the supervised actor at `path`, and answers its node (after the event was processed).
 * XState's own `xstate.*` events are refused: they would stop the actor behind its
 * supervisor's back or fake an end (decision 0056).
 */
export async function handleSend(
  actor: AnyActorRef,
  path: readonly string[],
  req: IncomingMessage,
): Promise<TreeNode> {
  const found = locateChild(actor, path);
  const event = await readJson(req);
  const type = (event as { type?: unknown } | null)?.type;
  if (
    typeof event !== 'object' ||
    event === null ||
    Array.isArray(event) ||
    typeof type !== 'string'
  ) {
    throw new HttpError(
      400,
      'INVALID_EVENT',
      `The body must be the event: a JSON object with a string \`type\`, e.g. {"type":"db.ping"}; got ${describeBody(event)}.`,
    );
  }
  if (type.startsWith('xstate.')) {
    throw new HttpError(
      400,
      'RESERVED_EVENT',
      `Event type "${type}" is reserved by XState; send one of your machine's own events (any type not starting with "xstate.").`,
    );
  }
  return runCommand(found, path, {
    type: 'child.send',
    id: found.record.id,
    event: event as { type: string },
  });
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
  const rt = serviceRuntimeOf(found.record.actor);
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

/** `GET /cluster`: every replica's record, who holds which singleton, queue depths. */
export async function clusterRoute(actor: AnyActorRef): Promise<ClusterView> {
  const member = clusterMemberOf(actor);
  if (!member) {
    throw new HttpError(404, 'NO_CLUSTER', 'This replica has not joined a cluster (joinCluster).');
  }
  return member.view();
}

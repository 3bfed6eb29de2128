/**
 * The commands of the `xstate-supervisor` CLI: each one or two bounded requests through
 * `controlRequest()`, printed for a person (or as JSON with `--json`).
 * Internal: the CLI's entry point is `src/cli.ts`; nothing here is exported from the package.
 */

import { type ControlResponse, controlRequest, readErrorBody } from '../control/client.ts';
import {
  actionRoute,
  SERVICE_COMMANDS,
  sendRoute,
  serviceRoute,
} from '../control/client-routes.ts';
import { meant } from '../control/did-you-mean.ts';
import { formatTree } from '../control/format-tree.ts';
import type { TreeNode } from '../core/tree-node.ts';
import type { LaunchPlan } from './launcher.ts';

/** Wrong arguments or options: exit 2 with the message and the command's form. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command's form (`send <path> <event>`), shown under the message. */
  usage: string | undefined;
  constructor(message: string, usage?: string) {
    super(message);
    this.usage = usage;
  }
}

/** The server answered, but not what the command wanted: exit 1. */
export class AnswerError extends Error {
  override name = 'AnswerError';
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** What every command needs: where to send, how, and where to print. */
export interface CommandContext {
  readonly url: URL;
  readonly token: string | undefined;
  readonly timeout: number;
  readonly json: boolean;
  readonly stdout: { write(text: string): unknown };
}

/** Builds a route, turning a bad argument (a `..` id, an unknown command) into a usage error. */
function route(build: () => string): string {
  try {
    return build();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function answerError(response: ControlResponse, method: string): AnswerError {
  const error = readErrorBody(response.body);
  return new AnswerError(
    error?.code ?? 'BAD_RESPONSE',
    response.status,
    error?.message ?? `${method} ${response.url} answered without a JSON error body.`,
  );
}

async function request(
  context: CommandContext,
  method: 'GET' | 'POST',
  path: string,
  expected: number,
  body?: unknown,
): Promise<unknown> {
  const response = await controlRequest(context.url, method, path, {
    token: context.token,
    timeout: context.timeout,
    body,
  });
  if (response.status !== expected) throw await answerFailure(context, response, method);
  return response.body;
}

/**
 * The error for an answer a command did not want: a usage error when `context.url` is the
 * inspector's (a 404 or 405 there is no server error: the URL is the wrong one), else the
 * answer's own error.
 */
async function answerFailure(
  context: CommandContext,
  response: ControlResponse,
  method: string,
): Promise<Error> {
  if (response.status === 404 || response.status === 405) {
    const inspector = await inspectorAt(context);
    if (inspector) {
      const control = typeof inspector.control === 'string' ? inspector.control : undefined;
      return new UsageError(
        `${context.url.href} is the inspector (the web page), not the control API; ` +
          (control === undefined
            ? 'pass the control API\'s URL: run() logs it at start ("control API listening") ' +
              'and gives it as handle.control.url.'
            : `the control API is at ${control}: pass --url ${control}.`),
      );
    }
  }
  return answerError(response, method);
}

/**
 * The inspector's `/healthz` body (`{ ok: true, pages, control? }`) when `context.url` is the
 * inspector, asked without the token (which is the control API's, not the inspector's).
 */
async function inspectorAt(
  context: CommandContext,
): Promise<{ pages: number; control?: unknown } | undefined> {
  try {
    const response = await controlRequest(context.url, 'GET', '/healthz', {
      timeout: context.timeout,
      responseType: 'text',
    });
    const body = JSON.parse(response.body as string) as { ok?: unknown; pages?: unknown } | null;
    if (response.status === 200 && body?.ok === true && typeof body.pages === 'number') {
      return body as { pages: number; control?: unknown };
    }
  } catch {
    // No answer or not JSON: not the inspector; the original answer's error stands.
  }
  return undefined;
}

function asTreeNode(body: unknown, what: string, status = 200): TreeNode {
  const node = body as Partial<TreeNode> | null;
  if (typeof node?.id !== 'string' || typeof node.state !== 'string') {
    throw new AnswerError(
      'BAD_RESPONSE',
      status,
      `${what} answered something that is not a tree node.`,
    );
  }
  return node as TreeNode;
}

function printJson(context: CommandContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function printTree(context: CommandContext, body: unknown, what: string, status = 200): void {
  if (context.json) printJson(context, body);
  else context.stdout.write(formatTree(asTreeNode(body, what, status)));
}

/**
 * Reads `send`'s `<event>`: a JSON object (`{"type":"db.ping","n":1}`), or a bare event type
 * (`db.ping`), which is sent as `{"type":"db.ping"}`.
 */
function readEvent(text: string): { type: string } {
  if (!text.trimStart().startsWith('{')) {
    if (text.trim() === '')
      throw new UsageError('<event> is empty; give an event type or a JSON object.');
    return { type: text };
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`<event> is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof (event as { type?: unknown }).type !== 'string') {
    throw new UsageError(
      `<event> must have a string "type", e.g. '{"type":"db.ping"}', got ${text}.`,
    );
  }
  return event as { type: string };
}

/** `tree`: `GET /tree`. */
export async function treeCommand(context: CommandContext): Promise<number> {
  printTree(context, await request(context, 'GET', '/tree', 200), 'GET /tree');
  return 0;
}

/** `service <path> <command>`: `POST /services/<path>/<command>`; prints the child's node. */
export async function serviceCommand(
  context: CommandContext,
  path: string,
  command: string,
): Promise<number> {
  if (!(SERVICE_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(
      `unknown service command "${command}"; ${meant(command, SERVICE_COMMANDS)}commands are ${SERVICE_COMMANDS.join(', ')}.`,
    );
  }
  const target = route(() => serviceRoute(path, command));
  printTree(context, await request(context, 'POST', target, 200), `POST ${target}`);
  return 0;
}

/**
 * `send <path> <event>`: `POST /services/<path>/send` with the event as the body; prints the
 * actor's node (its `value` shows the state the event led to).
 */
export async function sendCommand(
  context: CommandContext,
  path: string,
  event: string,
): Promise<number> {
  const target = route(() => sendRoute(path));
  const body = await request(context, 'POST', target, 202, readEvent(event));
  printTree(context, body, `POST ${target}`, 202);
  return 0;
}

/** `perform <path> <action> [json-data]`: `POST /actions/<path>/<action>`; prints the result. */
export async function performCommand(
  context: CommandContext,
  path: string,
  action: string,
  json: string | undefined,
): Promise<number> {
  const target = route(() => actionRoute(path, action));
  let data: unknown = null;
  if (json !== undefined) {
    try {
      data = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`[json-data] is not valid JSON: ${(error as Error).message}`);
    }
  }
  printJson(context, await request(context, 'POST', target, 200, data));
  return 0;
}

/** `shutdown`: `POST /shutdown`, which answers 202 before the tree stops. */
export async function shutdownCommand(context: CommandContext): Promise<number> {
  const body = await request(context, 'POST', '/shutdown', 202);
  if (context.json) printJson(context, body);
  else context.stdout.write('shutting down\n');
  return 0;
}

async function probe(
  context: CommandContext,
  path: string,
): Promise<{ status: number; body: unknown }> {
  // The probes are open unless the server protects them (`protectProbes`): send the token
  // when there is one. Read as text, since SPEC fixes their statuses, not bodies.
  const response = await controlRequest(context.url, 'GET', path, {
    token: context.token,
    timeout: context.timeout,
    responseType: 'text',
  });
  let body: unknown = response.body;
  try {
    body = JSON.parse(response.body as string);
  } catch {
    // Keep the text.
  }
  if (response.status !== 200 && response.status !== 503) {
    throw await answerFailure(context, { ...response, body }, 'GET');
  }
  return { status: response.status, body };
}

/** `health`: `GET /healthz` and `GET /readyz`; exit 0 only when both answer 200. */
export async function healthCommand(context: CommandContext): Promise<number> {
  const healthz = await probe(context, '/healthz');
  const readyz = await probe(context, '/readyz');
  if (context.json) {
    printJson(context, { healthz, readyz });
  } else {
    const state = (healthz.body as { state?: unknown } | null)?.state;
    const notRunning = (readyz.body as { notRunning?: unknown } | null)?.notRunning;
    const waiting = Array.isArray(notRunning) && notRunning.length > 0;
    context.stdout.write(
      `healthz  ${healthz.status}  ${healthz.status === 200 ? 'ok' : 'failed'}` +
        `${typeof state === 'string' ? ` (root ${state})` : ''}\n` +
        `readyz   ${readyz.status}  ${readyz.status === 200 ? 'ready' : 'not ready'}` +
        `${waiting ? `: ${notRunning.join(', ')}` : ''}\n`,
    );
  }
  return healthz.status === 200 && readyz.status === 200 ? 0 : 1;
}

/**
 * `start <config> [--check]`: reads the config file, loads its modules and runs the tree with
 * `run()` (which exits the process with its code once the run ends by a signal, a failure or
 * an overrun). `--check` stops after the loading and prints the tree: 0 valid, 2 not.
 */
export async function startCommand(
  file: string,
  check: boolean,
  io: {
    readonly stdout: { write(text: string): unknown };
    readonly stderr: { write(text: string): unknown };
    readonly env: Readonly<Record<string, string | undefined>>;
  },
): Promise<number> {
  // Loaded here: the other commands need none of the tree's code, only an HTTP client.
  const [{ describePlan, launch, planLaunch }, { LauncherConfigError }] = await Promise.all([
    import('./launcher.ts'),
    import('./launcher-config.ts'),
  ]);
  let plan: LaunchPlan;
  try {
    plan = await planLaunch(file, io.env);
  } catch (error) {
    if (!(error instanceof LauncherConfigError)) throw error;
    io.stderr.write(`xstate-supervisor: ${error.message}\n`);
    return 2;
  }
  if (check) {
    io.stdout.write(describePlan(plan));
    return 0;
  }
  const { exitCode } = await launch(plan).done;
  return exitCode;
}

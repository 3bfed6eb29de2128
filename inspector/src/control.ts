/**
 * Commands and events to the control API, through the inspector server (`POST control/services/
 * <path>/<command>` and `.../send` on the page's own origin), and the token they may need, kept
 * for the tab's life in `sessionStorage` (asked once, asked again when the server answers 401).
 */

/** The commands the control API takes for a service or supervisor. */
export const COMMANDS = ['restart', 'stop', 'start', 'hard-reset', 'fail'] as const;
export type Command = (typeof COMMANDS)[number];

const TOKEN_KEY = 'xstate-supervisor.inspector.token';

/** The token of this tab, if one was given. */
export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // Storage disabled: the token is asked for again, no worse.
  }
}

/** Keeps the token for this tab, or forgets it (`null`). */
export function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: nothing to keep it in.
  }
}

/** How a command ended. `status` 0: no answer (the inspector is down). */
export type CommandResult =
  | { ok: true; status: number; node: { state?: string; generation?: number; value?: unknown } }
  | { ok: false; status: number; code: string; message: string };

const NEEDS_TOKEN = 'The control API needs a token:';
const REFUSED = 'The token was refused; enter it again:';

/**
 * Runs `send` with the tab's token: asks for it first when the control API wants one and none
 * is kept, and again (forgetting the old one) whenever the answer is 401. Resolves to `null`
 * when the user declines to give it.
 *
 * @example
 * ```ts
 * const result = await withToken(true, (why) => tokenForm.ask(why), (t) => sendCommand(path, 'stop', t));
 * ```
 */
export async function withToken(
  tokenRequired: boolean,
  ask: (reason: string) => Promise<string | null>,
  send: (token: string | null) => Promise<CommandResult>,
): Promise<CommandResult | null> {
  let token = storedToken();
  if (token === null && tokenRequired) token = await ask(NEEDS_TOKEN);
  if (token === null && tokenRequired) return null;
  for (;;) {
    const result = await send(token);
    if (result.status !== 401) return result;
    storeToken(null);
    token = await ask(token ? REFUSED : NEEDS_TOKEN);
    if (token === null) return null;
  }
}

/**
 * Sends a command for the node at `path` (ids below the controlled supervisor).
 *
 * @example
 * ```ts
 * const result = await sendCommand(['workers', 'mailer'], 'restart', storedToken());
 * if (result.status === 401) askForToken();
 * ```
 */
export function sendCommand(
  path: readonly string[],
  command: Command,
  token: string | null,
): Promise<CommandResult> {
  return post(path, command, token);
}

/**
 * Sends an event, as JSON text, to the supervised actor at `path` (`POST .../send`): the text
 * goes as it is, and the control API answers 400 when it is not an event.
 *
 * @example
 * ```ts
 * const result = await sendEvent(['db'], '{"type":"db.close"}', storedToken());
 * ```
 */
export function sendEvent(
  path: readonly string[],
  json: string,
  token: string | null,
): Promise<CommandResult> {
  return post(path, 'send', token, json);
}

async function post(
  path: readonly string[],
  last: string,
  token: string | null,
  body?: string,
): Promise<CommandResult> {
  const url = new URL(
    `control/services/${path.map(encodeURIComponent).join('/')}/${last}`,
    location.href,
  );
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  } catch {
    return { ok: false, status: 0, code: 'NETWORK', message: 'The inspector did not answer.' };
  }
  const answer: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, status: res.status, node: (answer ?? {}) as { state?: string } };
  const error = (answer as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return {
    ok: false,
    status: res.status,
    code: typeof error?.code === 'string' ? error.code : String(res.status),
    message: typeof error?.message === 'string' ? error.message : fallbackMessage(res.status),
  };
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'The control API wants a token.';
  if (status === 404) return 'The control API does not know this node.';
  if (status === 409) return 'The node is not running.';
  if (status === 503) return 'The control API is not reachable.';
  return `The control API answered ${status}.`;
}

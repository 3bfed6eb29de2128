/**
 * Commands to the control API, through the inspector server (`POST control/services/<path>/
 * <command>` on the page's own origin), and the token they may need, kept for the tab's life
 * in `sessionStorage` (asked once, asked again when the server answers 401).
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
  | { ok: true; status: number; node: { state?: string; generation?: number } }
  | { ok: false; status: number; code: string; message: string };

/**
 * Sends a command for the node at `path` (ids below the controlled supervisor).
 *
 * @example
 * ```ts
 * const result = await sendCommand(['workers', 'mailer'], 'restart', storedToken());
 * if (result.status === 401) askForToken();
 * ```
 */
export async function sendCommand(
  path: readonly string[],
  command: Command,
  token: string | null,
): Promise<CommandResult> {
  const url = new URL(
    `control/services/${path.map(encodeURIComponent).join('/')}/${command}`,
    location.href,
  );
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers });
  } catch {
    return { ok: false, status: 0, code: 'NETWORK', message: 'The inspector did not answer.' };
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, status: res.status, node: (body ?? {}) as { state?: string } };
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
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
  if (status === 503) return 'The control API is not reachable.';
  return `The control API answered ${status}.`;
}

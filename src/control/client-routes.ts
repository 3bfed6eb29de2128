/**
 * The URLs a control API client builds: the base URL, checked once, and the routes of user
 * actions, service commands and events sent to supervised actors, each id URL-encoded on its
 * own (SPEC §7 `<path>`).
 */

/**
 * The commands of `POST /services/<path>/<command>`.
 *
 * @example
 * ```ts
 * const isCommand = (s: string): s is ServiceCommand =>
 *   (SERVICE_COMMANDS as readonly string[]).includes(s);
 * ```
 */
export const SERVICE_COMMANDS = ['start', 'stop', 'restart', 'hard-reset', 'fail'] as const;

/**
 * One of {@link SERVICE_COMMANDS}.
 *
 * @example
 * ```ts
 * const command: ServiceCommand = 'hard-reset';
 * ```
 */
export type ServiceCommand = (typeof SERVICE_COMMANDS)[number];

/** @internal Encodes one URL segment (a child id, an action name). */
export function encodeSegment(segment: string, argument: string, whole = segment): string {
  // An empty segment would shift the route; a dot-only one is resolved away by URL parsing
  // (`a/../b` is `b`), so either could reach a route the caller did not name.
  if (segment === '' || /^\.+$/.test(segment)) {
    throw new TypeError(
      `Expected \`${argument}\` to be made of non-empty ids that are not only dots, got ${JSON.stringify(whole)}.`,
    );
  }
  return encodeURIComponent(segment);
}

/**
 * Encodes a `<path>` (the ids below the root joined by `/`, as in a report's `path`): each id
 * is URL-encoded on its own, so the `/` between ids stays a separator.
 * @internal
 */
export function encodeChildPath(path: unknown): string {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(
      `Expected \`path\` to be the ids below the root joined by "/", e.g. "workers/poller", got ${JSON.stringify(path) ?? typeof path}.`,
    );
  }
  return path
    .split('/')
    .map((id) => encodeSegment(id, 'path', path))
    .join('/');
}

/** @internal The route of a user action: `/actions/<path>/<action>`. */
export function actionRoute(path: unknown, action: unknown): string {
  const encodedPath = encodeChildPath(path);
  if (typeof action !== 'string') {
    throw new TypeError(
      `Expected \`action\` to be the name of one of the service's actions, got ${typeof action}.`,
    );
  }
  return `/actions/${encodedPath}/${encodeSegment(action, 'action')}`;
}

/** @internal The route of a service command: `/services/<path>/<command>`. */
export function serviceRoute(path: unknown, command: unknown): string {
  const encodedPath = encodeChildPath(path);
  if (!(SERVICE_COMMANDS as readonly unknown[]).includes(command)) {
    throw new TypeError(
      `Expected \`command\` to be one of ${SERVICE_COMMANDS.join(', ')}, got ${JSON.stringify(command) ?? typeof command}.`,
    );
  }
  return `/services/${encodedPath}/${command as ServiceCommand}`;
}

/** @internal The route that sends an event to a supervised actor: `/services/<path>/send`. */
export function sendRoute(path: unknown): string {
  return `/services/${encodeChildPath(path)}/send`;
}

/**
 * Parses and checks a control server's base URL (`http://127.0.0.1:8080`), and makes its
 * path end in `/` so routes append to it (a server behind a path prefix works).
 * @internal
 */
export function checkBaseUrl(url: unknown): URL {
  let parsed: URL | undefined;
  if (typeof url === 'string' || url instanceof URL) {
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TypeError(
      `Expected \`url\` to be an http(s) URL such as "http://127.0.0.1:8080" (the control server's \`url\`), got ${JSON.stringify(String(url))}.`,
    );
  }
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  parsed.search = '';
  parsed.hash = '';
  return parsed;
}

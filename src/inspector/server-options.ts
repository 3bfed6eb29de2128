/**
 * The options of `createInspectorServer`, their defaults, and their validation (once, at
 * creation, as expected vs got).
 */
import { checkListenOptions } from '../control/http.ts';
import { XstateSupervisorError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { AnyActorRef } from '../internal/xstate.ts';
import type { StatelyTarget } from './stately.ts';

/**
 * Where the page's commands go: the control API of the same tree.
 *
 * @example
 * ```ts
 * const control = await createControlServer(actor, { token: 's3cret' });
 * await createInspectorServer(actor, { control: { url: control.url, tokenRequired: true } });
 * ```
 */
export interface InspectorControlOptions {
  /** The control API's URL (`handle.control.url`, or what `createControlServer` gave). */
  url: string;
  /**
   * Whether it wants a token; the page then asks for it once.
   * @default asked of the control API at start (a 401 on `GET /tree` means yes)
   */
  tokenRequired?: boolean;
  /**
   * The supervisor actor the control API was created for: its children get the buttons.
   * @default the top supervisor of the inspected system, when there is only one
   */
  supervisor?: AnyActorRef;
}

/**
 * Options of `createInspectorServer`.
 *
 * @example
 * ```ts
 * const options: InspectorServerOptions = { port: 9465, control: { url: 'http://127.0.0.1:9464' } };
 * ```
 */
export interface InspectorServerOptions {
  /**
   * The port; 0 picks a free one (the real one is in `url`).
   * @default 0
   */
  port?: number;
  /**
   * The address to bind. The feed shows your whole app: keep it on loopback.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * The control API the page's buttons use (restart, stop, start, hard reset, fail).
   * @default undefined (no buttons)
   */
  control?: InspectorControlOptions;
  /**
   * Also forward XState's inspection events in `@statelyai/inspect`'s format, errors
   * serialized: pass an inspector from `@statelyai/inspect` or anything with `send(event)`.
   * @default undefined (not forwarded)
   */
  stately?: StatelyTarget;
  /**
   * Host names the page may be reached by besides loopback names and `host` (a forwarded
   * dev-container host, say). Requests naming any other host are refused (DNS rebinding).
   * @default []
   */
  allowedHosts?: string[];
  /**
   * The page's title.
   * @default the inspected actor's id
   */
  title?: string;
  /**
   * Where the server's errors go.
   * @default a console logger on stderr
   */
  logger?: Logger;
  /**
   * How often (ms) the feed sends what changed, at most: a restart storm becomes one
   * message per batch. During a storm (more than 20 reports in a batch) batches are at least
   * 50 ms apart, and a batch that took long makes the next one wait 8 times as long.
   * @default 16
   */
  batchInterval?: number;
}

/**
 * The defaults of {@link InspectorServerOptions} that are plain values.
 * @internal
 *
 * @example
 * ```ts
 * const host = options.host ?? INSPECTOR_DEFAULTS.host; // '127.0.0.1'
 * ```
 */
export const INSPECTOR_DEFAULTS = { port: 0, host: '127.0.0.1', batchInterval: 16 } as const;

const KNOWN_OPTIONS = [
  'port',
  'host',
  'control',
  'stately',
  'allowedHosts',
  'title',
  'logger',
  'batchInterval',
];

function invalid(caller: string, option: string, expected: string, got: unknown): never {
  throw new XstateSupervisorError(
    'INSPECTOR_OPTION_INVALID',
    `${caller}: expected \`${option}\` to be ${expected}, got ${JSON.stringify(got)}.`,
  );
}

/**
 * Validates inspector options at once: an unknown option throws `INSPECTOR_OPTION_UNKNOWN`,
 * a bad value `INSPECTOR_OPTION_INVALID`, naming the option, what it got and what it expects.
 * @internal
 *
 * @example
 * ```ts
 * checkInspectorOptions({ port: -1 }, 'run'); // throws: run: expected `port` to be an integer from 0 to 65535, got -1.
 * ```
 */
export function checkInspectorOptions(options: object, caller = 'createInspectorServer'): void {
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new XstateSupervisorError(
        'INSPECTOR_OPTION_UNKNOWN',
        `${caller}: unknown inspector option \`${key}\`; known options are ${KNOWN_OPTIONS.join(', ')}.`,
      );
    }
  }
  checkListenOptions(o, (option, expected, got) => invalid(caller, option, expected, got));
  const control = o.control as { url?: unknown; tokenRequired?: unknown } | undefined;
  if (control !== undefined) {
    if (typeof control !== 'object' || control === null || typeof control.url !== 'string') {
      invalid(caller, 'control', 'an object with a `url` string', control);
    }
    try {
      new URL(control.url as string);
    } catch {
      invalid(caller, 'control.url', 'an absolute URL such as http://127.0.0.1:9464', control.url);
    }
    if (control.tokenRequired !== undefined && typeof control.tokenRequired !== 'boolean') {
      invalid(caller, 'control.tokenRequired', 'a boolean', control.tokenRequired);
    }
    const sup = (control as { supervisor?: { sessionId?: unknown } }).supervisor;
    if (sup !== undefined && typeof sup?.sessionId !== 'string') {
      invalid(caller, 'control.supervisor', 'the actor of a supervisor', typeof sup);
    }
  }
  const stately = o.stately as { send?: unknown; adapter?: { send?: unknown } } | undefined;
  if (
    stately !== undefined &&
    typeof stately?.send !== 'function' &&
    typeof stately?.adapter?.send !== 'function'
  ) {
    invalid(
      caller,
      'stately',
      'an inspector from @statelyai/inspect or an object with send(event)',
      stately,
    );
  }
  const batch = o.batchInterval ?? INSPECTOR_DEFAULTS.batchInterval;
  if (typeof batch !== 'number' || !Number.isFinite(batch) || batch < 1 || batch > 10_000) {
    invalid(caller, 'batchInterval', 'a number of ms from 1 to 10000', batch);
  }
}

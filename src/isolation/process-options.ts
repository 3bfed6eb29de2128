/**
 * The options of `createProcessService`, and their validation.
 */
import type { ServiceOptions } from '../core/service-options.ts';
import { checkBoolean, checkInteger, checkObject, type Fail } from '../core/validate.ts';

/**
 * Options of {@link createProcessService}: exactly one of `module` (run with
 * `child_process.fork`, IPC on) or `command` (run with `child_process.spawn`), plus the
 * common service options (`gracePeriod`, `restart`, `significant`, hooks, `logger`, ...).
 *
 * Gotcha: there is no `iterate` and no pacing option (`minPeriod`, `pause`, `interval`,
 * `delayBefore`, `delayAfter`): the child is the work, so passing one throws a
 * `ServiceConfigError` (`SERVICE_CONFIG_UNKNOWN_OPTION`), as any unknown option does.
 *
 * @example
 * ```ts
 * const options: ProcessServiceOptions = { id: 'worker', module: './worker.mjs', gracePeriod: 2_000 };
 * createProcessService(options);
 * ```
 */
export interface ProcessServiceOptions
  extends Omit<
    ServiceOptions,
    'iterate' | 'maxFailures' | 'minPeriod' | 'pause' | 'interval' | 'delayBefore' | 'delayAfter'
  > {
  /**
   * A Node module (a path) run in a child Node process with `child_process.fork`, with an IPC
   * channel (so it can `exitOnParentDeath()`). Not together with `command`.
   */
  module?: string;
  /** An executable run with `child_process.spawn` (no shell). Not together with `module`. */
  command?: string;
  /** Arguments of the module or command. @default [] */
  args?: readonly string[];
  /** The child's environment. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** The child's working directory. @default process.cwd() */
  cwd?: string;
  /** Node flags of a `module` child (fork's `execArgv`). @default [] */
  execArgv?: readonly string[];
  /** How many lines of stderr a `ProcessExitError` keeps. @default 20 */
  stderrTail?: number;
  /**
   * Run the `module` as a `node:cluster` worker, so `server.listen(port)` in several workers
   * shares one port (the primary, this process, owns it). Needs `module`.
   * @default false
   */
  cluster?: boolean;
  /**
   * Failures (non-zero exits) tolerated within one generation, the child being respawned in
   * place; the next one fails the service and its supervisor restarts it.
   * @default 0
   */
  maxFailures?: number;
}

/** The process-specific options, validated. @internal */
export interface ResolvedProcessOptions {
  readonly mode: 'fork' | 'spawn' | 'cluster';
  readonly target: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  readonly cwd: string | undefined;
  readonly execArgv: readonly string[];
  readonly stderrTail: number;
}

/** The option names only a process service has. @internal */
export const PROCESS_KEYS = [
  'module',
  'command',
  'args',
  'env',
  'cwd',
  'execArgv',
  'stderrTail',
  'cluster',
] as const;

function checkStrings(value: unknown, option: string, fail: Fail): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    fail({ option, received: value, expected: 'an array of strings' });
  }
  return [...(value as string[])];
}

function checkPath(value: unknown, option: string, fail: Fail): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    fail({ option, received: value, expected: 'a non-empty string' });
  }
  return value;
}

/**
 * Validates the process-specific options (the names were checked by `defineKind`); `fail`
 * throws a `ServiceConfigError` naming the option. @internal
 *
 * @example
 * ```ts
 * resolveProcessOptions({ id: 'worker', module: './worker.mjs' }, fail).mode; // 'fork'
 * ```
 */
export function resolveProcessOptions(
  options: ProcessServiceOptions,
  fail: Fail,
): ResolvedProcessOptions {
  const raw = options as unknown as Record<string, unknown>;
  const module = checkPath(raw.module, 'module', fail);
  const command = checkPath(raw.command, 'command', fail);
  if ((module === undefined) === (command === undefined)) {
    fail({
      option: module === undefined ? 'module' : 'command',
      received: module ?? command,
      expected: 'exactly one of `module` (a Node module to fork) or `command` (an executable)',
    });
  }
  const cluster = checkBoolean(raw.cluster, 'cluster', fail) ?? false;
  if (cluster && module === undefined) {
    fail({ option: 'cluster', received: true, expected: '`cluster: true` only with `module`' });
  }
  if (raw.env !== undefined) checkObject(raw.env, 'env', fail);
  return {
    mode: cluster ? 'cluster' : module !== undefined ? 'fork' : 'spawn',
    target: (module ?? command) as string,
    args: checkStrings(raw.args, 'args', fail) ?? [],
    env: raw.env as ResolvedProcessOptions['env'],
    cwd: checkPath(raw.cwd, 'cwd', fail),
    execArgv: checkStrings(raw.execArgv, 'execArgv', fail) ?? [],
    stderrTail: checkInteger(raw.stderrTail, 'stderrTail', fail) ?? 20,
  };
}

#!/usr/bin/env node
/**
 * `xstate-supervisor`: the command line of the control API (SPEC §7). Parses the arguments,
 * runs one command from `src/control/cli-commands.ts`, maps the outcome to an exit code.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AnswerError,
  type CommandContext,
  healthCommand,
  performCommand,
  sendCommand,
  serviceCommand,
  shutdownCommand,
  startCommand,
  treeCommand,
  UsageError,
} from './cli/commands.ts';
import { DEFAULT_CONTROL_TIMEOUT } from './control/client.ts';
import { checkBaseUrl } from './control/client-routes.ts';
import { didYouMean, meant } from './control/did-you-mean.ts';
import { PerformError } from './control/perform-error.ts';

/** Where {@link main} writes and what environment it reads. */
export interface CliIo {
  /**
   * Results.
   * @default process.stdout
   */
  readonly stdout: { write(text: string): unknown };
  /**
   * Errors and the usage after a usage error.
   * @default process.stderr
   */
  readonly stderr: { write(text: string): unknown };
  /**
   * Read for `XSTATE_SUPERVISOR_URL` and `XSTATE_SUPERVISOR_TOKEN`.
   * @default process.env
   */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The CLI's `--help` text.
 *
 * @example
 * ```ts
 * console.log(CLI_USAGE);
 * ```
 */
export const CLI_USAGE = `Usage: xstate-supervisor <command> [options]

Commands:
  tree                                  Show the supervision tree
  service <path> <command>              Run start, stop, restart, hard-reset or fail on a child
  perform <path> <action> [json-data]   Call a service's action with JSON data; print its result
  send <path> <event>                   Send an event to a supervised actor: a type or a JSON object
  health                                Show liveness (/healthz) and readiness (/readyz)
  shutdown                              Stop the whole tree gracefully
  start <config> [--check]              Run the tree a JSON or YAML config file describes;
                                        --check only validates it and prints the tree

  <path> is the ids below the root joined by "/", e.g. workers/poller.
  Put -- before [json-data] that starts with "-", e.g. perform db add -- -1

Options:
  --url <url>        The control server's URL (or env XSTATE_SUPERVISOR_URL)
  --token <token>    Its bearer token (or env XSTATE_SUPERVISOR_TOKEN, which keeps it out of ps)
  --timeout <ms>     Give up after this many milliseconds (default ${DEFAULT_CONTROL_TIMEOUT})
  --json             Print raw JSON (tree, service, send, health, shutdown)
  --check            start: validate the config and load its modules, start nothing
  -h, --help         Show this help
  --version          Print the version

Exit codes: 0 ok, 1 the server answered an error, 2 usage error, 3 no answer (network, timeout)
  start exits as run() does: 0 stopped by a signal, 1 the root failed, 70 shutdown overran;
  2 the config is invalid

Examples:
  xstate-supervisor tree --url http://127.0.0.1:8080
  XSTATE_SUPERVISOR_TOKEN=s3cret xstate-supervisor service workers/poller restart
  xstate-supervisor perform workers/poller echo '{"hello":"world"}'
  xstate-supervisor send db db.ping
  xstate-supervisor send db '{"type":"db.query","sql":"select 1"}'
  xstate-supervisor start app.yaml --check
`;

/** Each command and the arguments it takes, as a usage error shows them. */
const COMMANDS: Readonly<Record<string, string>> = {
  tree: 'tree [--json]',
  service: 'service <path> <start|stop|restart|hard-reset|fail>',
  perform: 'perform <path> <action> [json-data]',
  send: 'send <path> <event>',
  health: 'health [--json]',
  shutdown: 'shutdown [--json]',
  start: 'start <config.json|config.yaml> [--check]',
};

const MORE_HELP = 'Run "xstate-supervisor --help" for every command and option.\n';

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  check: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/**
 * Runs the CLI with `argv` (the arguments after the script, `process.argv.slice(2)`) and
 * resolves to the exit code: 0 ok, 1 the server answered an error, 2 usage error, 3 no
 * answer (network or timeout). It never rejects and never calls `process.exit` (but for
 * `start` without `--check`, whose `run()` ends the process as it documents), so tests run
 * it in-process with their own `io`; the `xstate-supervisor` binary exits with the code
 * once its output is drained, even if a module `start` loaded still holds a timer.
 *
 * @example
 * ```ts
 * import { main } from '../src/cli.ts';
 * let out = '';
 * const code = await main(['tree', '--json', '--url', 'http://127.0.0.1:8080'], {
 *   stdout: { write: (text: string) => (out += text) },
 * });
 * ```
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  try {
    return await dispatch(argv, {
      stdout: io.stdout ?? process.stdout,
      stderr,
      env: io.env ?? process.env,
    });
  } catch (error) {
    if (error instanceof UsageError) {
      // Short: the mistake, the command's own form, where the rest is. Not the whole help.
      const usage = error.usage === undefined ? '' : `Usage: xstate-supervisor ${error.usage}\n`;
      stderr.write(`xstate-supervisor: ${error.message}\n${usage}${MORE_HELP}`);
      return 2;
    }
    if (error instanceof PerformError && error.status === 0) {
      stderr.write(`error ${error.code}: ${error.message}\n`);
      return 3;
    }
    if (error instanceof AnswerError || error instanceof PerformError) {
      stderr.write(`error ${error.code} (${error.status}): ${error.message}\n`);
      return 1;
    }
    stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw parseError(error as Error & { code?: string });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(CLI_USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout.write(`${readVersion()}\n`);
    return 0;
  }
  const [command, ...args] = positionals;
  const names = Object.keys(COMMANDS);
  if (command === undefined) {
    throw new UsageError(`missing command: one of ${names.join(', ')}.`, '<command> [options]');
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    throw new UsageError(
      `unknown command "${command}"; ${meant(command, names)}commands are ${names.join(', ')}.`,
    );
  }
  try {
    return await runCommand(command, args, values, io);
  } catch (error) {
    // A mistake in a command's arguments shows that command's form.
    if (error instanceof UsageError) error.usage ??= COMMANDS[command];
    throw error;
  }
}

async function runCommand(
  command: string,
  args: readonly string[],
  values: { url?: string; token?: string; timeout?: string; json?: boolean; check?: boolean },
  io: CliIo,
): Promise<number> {
  if (command === 'start') {
    // No server to ask: the tree runs here.
    expectArgs(args, 1, 1);
    const misplaced = (['url', 'token', 'timeout', 'json'] as const).filter(
      (name) => values[name] !== undefined,
    );
    if (misplaced.length > 0) {
      throw new UsageError(
        `start takes no ${misplaced.map((name) => `--${name}`).join(', ')}: the tree runs here; its control API's port and token are in the config file (control.port, control.tokenEnv).`,
      );
    }
    return startCommand(args[0]!, values.check ?? false, io);
  }
  if (values.check) throw new UsageError('--check goes with start only.');
  const context: CommandContext = {
    url: readUrl(values.url ?? io.env.XSTATE_SUPERVISOR_URL),
    token: readToken(values.token ?? (io.env.XSTATE_SUPERVISOR_TOKEN || undefined)),
    timeout: readTimeout(values.timeout),
    json: values.json ?? false,
    stdout: io.stdout,
  };
  switch (command) {
    case 'tree':
      expectArgs(args, 0, 0);
      return treeCommand(context);
    case 'service':
      expectArgs(args, 2, 2);
      return serviceCommand(context, args[0]!, args[1]!);
    case 'perform':
      expectArgs(args, 2, 3);
      return performCommand(context, args[0]!, args[1]!, args[2]);
    case 'send':
      expectArgs(args, 2, 2);
      return sendCommand(context, args[0]!, args[1]!);
    case 'health':
      expectArgs(args, 0, 0);
      return healthCommand(context);
    default:
      expectArgs(args, 0, 0);
      return shutdownCommand(context);
  }
}

function expectArgs(args: readonly string[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    const got = args.length === 0 ? 'none' : args.map((a) => JSON.stringify(a)).join(' ');
    throw new UsageError(`expected ${expected} argument(s) after the command, got ${got}.`);
  }
}

/** Node's parseArgs errors, said shortly, with the option meant when one is close. */
function parseError(error: Error & { code?: string }): UsageError {
  const option = /'(-[^' ]*)/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    const flags = Object.entries(OPTIONS).flatMap(([name, o]) => [
      `--${name}`,
      ...('short' in o ? [`-${o.short}`] : []),
    ]);
    const close = didYouMean(option, flags);
    return new UsageError(
      `unknown option ${option}${close === undefined ? '.' : `; did you mean ${close}?`}`,
    );
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return new UsageError(
      `${option} needs a value, e.g. ${option}${EXAMPLE_VALUES[option] ?? ' <value>'}.`,
    );
  }
  return new UsageError(error.message);
}

const EXAMPLE_VALUES: Readonly<Record<string, string>> = {
  '--url': ' http://127.0.0.1:9464',
  '--token': ' s3cret',
  '--timeout': ' 5000',
};

function readUrl(url: string | undefined): URL {
  if (url === undefined || url === '') {
    throw new UsageError('no server URL: pass --url <url> or set XSTATE_SUPERVISOR_URL.');
  }
  try {
    return checkBaseUrl(url);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readToken(token: string | undefined): string | undefined {
  if (token !== undefined && (token === '' || /[\r\n]/.test(token))) {
    throw new UsageError('--token expects a non-empty token without line breaks.');
  }
  return token;
}

function readTimeout(timeout: string | undefined): number {
  if (timeout === undefined) return DEFAULT_CONTROL_TIMEOUT;
  const ms = Number(timeout);
  if (!/^\d+$/.test(timeout) || ms < 1 || ms > 2 ** 31 - 1) {
    throw new UsageError(
      `--timeout expects a whole number of milliseconds >= 1, got "${timeout}".`,
    );
  }
  return ms;
}

function readVersion(): string {
  // src/cli.ts and dist/cli.js both sit one level below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return String(pkg.version);
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    // realpath: npm runs a bin through a symlink in node_modules/.bin.
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

/** Resolves once what was written to `stream` so far has been handed to the OS. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

if (isMain()) {
  void main(process.argv.slice(2)).then(async (code) => {
    process.exitCode = code;
    // Exit explicitly, output drained first: a module `start` loaded may hold a timer or a
    // socket from its import on, which would keep the process alive after --check or an
    // invalid config (a running tree ends the process through run() itself).
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
    process.exit(code);
  });
}

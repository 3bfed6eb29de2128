/**
 * The config file of `xstate-supervisor start <config>`: read (JSON or YAML) and checked, with
 * every problem of the file in one error naming the key, what was expected and what was found.
 * Internal: the launcher is reached through the CLI; nothing here is exported from the package.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { didYouMean } from '../control/did-you-mean.ts';
import { describeValue, XstateSupervisorError } from '../core/errors.ts';
import { STRATEGIES, type Strategy } from '../core/restart-strategy.ts';

/** One problem of a config file: where, what was expected, what was found. */
export interface LauncherProblem {
  /** The key, as a path: `services[1].replicas`, `control.port`; `''` for the whole file. */
  readonly key: string;
  readonly expected: string;
  readonly received: unknown;
  /** Said instead of "expected ..., got ..." (an unknown key, a module that failed). */
  readonly message?: string;
}

/**
 * A config file the launcher cannot run: unreadable, not JSON/YAML, or with bad keys, or naming
 * a module or export that is missing or is not a service or supervisor. `code`:
 * `LAUNCHER_CONFIG_UNREADABLE`, `LAUNCHER_CONFIG_INVALID` (see `problems`),
 * `LAUNCHER_MODULE_NOT_FOUND`, `LAUNCHER_MODULE_FAILED`, `LAUNCHER_EXPORT_MISSING`,
 * `LAUNCHER_EXPORT_INVALID` (the first problem's code when they differ).
 */
export class LauncherConfigError extends XstateSupervisorError {
  /** The config file, as given. */
  readonly file: string;
  readonly problems: readonly LauncherProblem[];
  constructor(code: string, file: string, problems: readonly LauncherProblem[]) {
    const lines = problems.map((p) => `  ${describeProblem(p)}`);
    super(
      code,
      `${file} is not a valid launcher config (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.file = file;
    this.problems = problems;
  }
}

function describeProblem(p: LauncherProblem): string {
  const where = p.key === '' ? '' : `${p.key}: `;
  return `${where}${p.message ?? `expected ${p.expected}, got ${describeValue(p.received)}`}`;
}

/** One entry of `services`, checked: where the export is and how many copies run. */
export interface ServiceEntry {
  /** The key of the entry, `services[2]`, for errors. */
  readonly key: string;
  readonly module: string;
  /** The export's name; `default` when the entry names none. */
  readonly export: string;
  /** The id (factory exports only); replicas are `<id>-1` … `<id>-<n>`. */
  readonly id: string | undefined;
  readonly replicas: number | undefined;
}

/** A checked config file. */
export interface LauncherConfig {
  readonly file: string;
  readonly id: string;
  readonly strategy: Strategy | undefined;
  readonly maxRestarts: number | undefined;
  readonly restartWindow: number | undefined;
  readonly shutdownTimeout: number | undefined;
  readonly shutdownDelay: number | undefined;
  readonly control:
    | {
        port: number;
        host?: string;
        token?: string;
        allowedHosts?: string[];
        protectProbes?: boolean;
      }
    | undefined;
  readonly inspector:
    | { port: number; host?: string; allowedHosts?: string[]; title?: string }
    | undefined;
  readonly services: readonly ServiceEntry[];
}

const TOP = [
  'id',
  'strategy',
  'maxRestarts',
  'restartWindow',
  'shutdownTimeout',
  'shutdownDelay',
  'control',
  'inspector',
  'services',
];
const CONTROL = ['port', 'host', 'tokenEnv', 'allowedHosts', 'protectProbes'];
const INSPECTOR = ['port', 'host', 'allowedHosts', 'title'];
const ENTRY = ['module', 'export', 'id', 'replicas'];
const ID = /^[A-Za-z0-9_.:-]+$/;

/** Reads and parses the file: JSON for `.json`, YAML for `.yaml` and `.yml`. */
async function readConfig(file: string): Promise<unknown> {
  const ext = extname(file).toLowerCase();
  const unreadable = (expected: string, received: unknown, message?: string) =>
    new LauncherConfigError('LAUNCHER_CONFIG_UNREADABLE', file, [
      { key: '', expected, received, ...(message !== undefined && { message }) },
    ]);
  if (!['.json', '.yaml', '.yml'].includes(ext)) {
    throw unreadable('a .json, .yaml or .yml file', ext || file);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw unreadable('a readable file', file, `cannot read the file (${code ?? 'error'}).`);
  }
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const kind = ext === '.json' ? 'JSON' : 'YAML';
    throw unreadable(kind, text, `not valid ${kind}: ${(error as Error).message.split('\n')[0]}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects the problems of one file while its keys are read. */
class Checker {
  readonly problems: LauncherProblem[] = [];
  bad(key: string, expected: string, received: unknown): undefined {
    this.problems.push({ key, expected, received });
    return undefined;
  }
  unknownKeys(object: Record<string, unknown>, known: readonly string[], prefix: string): void {
    for (const name of Object.keys(object)) {
      if (known.includes(name)) continue;
      const close = didYouMean(name, known);
      this.problems.push({
        key: `${prefix}${name}`,
        expected: `one of ${known.join(', ')}`,
        received: name,
        message: `unknown key${close === undefined ? '' : `; did you mean "${prefix}${close}"?`} Known keys: ${known.join(', ')}.`,
      });
    }
  }
  integer(value: unknown, key: string, min: number, max = Number.MAX_SAFE_INTEGER) {
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      return value;
    }
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    return this.bad(key, `an integer ${range}`, value);
  }
  string(value: unknown, key: string, pattern?: RegExp, what = 'a non-empty string') {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value !== '' && (!pattern || pattern.test(value)))
      return value;
    return this.bad(key, what, value);
  }
  section(value: unknown, key: string): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    if (isObject(value)) return value;
    return this.bad(key, 'an object', value);
  }
  /** `allowedHosts`: host names a server answers to besides loopback names and its `host`. */
  hosts(value: unknown, key: string): string[] | undefined {
    if (value === undefined) return undefined;
    if (Array.isArray(value) && value.every((h) => typeof h === 'string' && h !== '')) {
      return value as string[];
    }
    return this.bad(key, 'a list of non-empty host names, e.g. [app.internal]', value);
  }
  /**
   * `control` or `inspector`: an object with a required `port`, an optional `host` and
   * optional `allowedHosts`.
   */
  server(value: unknown, key: string, known: readonly string[]) {
    const section = this.section(value, key);
    if (!section) return undefined;
    this.unknownKeys(section, known, `${key}.`);
    const port = this.integer(section.port, `${key}.port`, 0, 65_535);
    if (section.port === undefined)
      this.bad(`${key}.port`, 'a port (0 picks a free one)', undefined);
    const host = this.string(section.host, `${key}.host`);
    const allowedHosts = this.hosts(section.allowedHosts, `${key}.allowedHosts`);
    return { section, port, host, allowedHosts };
  }
}

/** Reads `services[i]`: `"./file.mjs#name"` or `{ module, export, id, replicas }`. */
function readEntry(c: Checker, value: unknown, key: string): ServiceEntry | undefined {
  if (typeof value === 'string') {
    const hash = value.lastIndexOf('#');
    const module = hash === -1 ? value : value.slice(0, hash);
    const name = hash === -1 ? 'default' : value.slice(hash + 1);
    if (module === '' || name === '') {
      return c.bad(key, '"<module>#<export>", e.g. "./services.mjs#poller"', value);
    }
    return { key, module, export: name, id: undefined, replicas: undefined };
  }
  if (!isObject(value)) {
    return c.bad(key, '"<module>#<export>" or { module, export, id, replicas }', value);
  }
  c.unknownKeys(value, ENTRY, `${key}.`);
  const module = value.module;
  if (typeof module !== 'string' || module === '') {
    c.bad(`${key}.module`, 'a module path, e.g. "./services.mjs"', module);
  }
  const name = c.string(value.export, `${key}.export`) ?? 'default';
  const id = c.string(value.id, `${key}.id`, ID, 'an id of letters, digits, _ . : -');
  const replicas = c.integer(value.replicas, `${key}.replicas`, 1, 1000);
  if (typeof module !== 'string' || module === '') return undefined;
  return { key, module, export: name, id, replicas };
}

/**
 * Reads and checks a launcher config file. Every problem is reported in one
 * {@link LauncherConfigError}; `env` is where `control.tokenEnv` is read.
 */
export async function loadLauncherConfig(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<LauncherConfig> {
  const raw = await readConfig(file);
  if (!isObject(raw)) {
    throw new LauncherConfigError('LAUNCHER_CONFIG_INVALID', file, [
      { key: '', expected: 'an object with a "services" list', received: raw },
    ]);
  }
  const c = new Checker();
  c.unknownKeys(raw, TOP, '');
  const id = c.string(raw.id, 'id', ID, 'an id of letters, digits, _ . : -') ?? 'root';
  const strategy =
    raw.strategy === undefined || STRATEGIES.includes(raw.strategy as Strategy)
      ? (raw.strategy as LauncherConfig['strategy'])
      : c.bad('strategy', `one of ${STRATEGIES.join(', ')}`, raw.strategy);
  const maxRestarts = c.integer(raw.maxRestarts, 'maxRestarts', 0);
  const restartWindow = c.integer(raw.restartWindow, 'restartWindow', 1);
  const shutdownTimeout = c.integer(raw.shutdownTimeout, 'shutdownTimeout', 1);
  const shutdownDelay = c.integer(raw.shutdownDelay, 'shutdownDelay', 0);

  let control: LauncherConfig['control'];
  const controlServer = c.server(raw.control, 'control', CONTROL);
  if (controlServer) {
    const { section: controlRaw, port, host, allowedHosts } = controlServer;
    const tokenEnv = c.string(
      controlRaw.tokenEnv,
      'control.tokenEnv',
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      'an environment variable name',
    );
    const token = tokenEnv === undefined ? undefined : env[tokenEnv];
    if (tokenEnv !== undefined && (token === undefined || token === '')) {
      c.problems.push({
        key: 'control.tokenEnv',
        expected: `the environment variable ${tokenEnv} set to the token`,
        received: token,
        message: `names the environment variable ${tokenEnv}, which is not set (or empty); set it to the control API's token.`,
      });
    }
    const protectProbes = controlRaw.protectProbes;
    if (protectProbes !== undefined && typeof protectProbes !== 'boolean') {
      c.bad('control.protectProbes', 'true or false', protectProbes);
    }
    if (port !== undefined) {
      control = {
        port,
        ...(host !== undefined && { host }),
        ...(token !== undefined && token !== '' && { token }),
        ...(allowedHosts !== undefined && { allowedHosts }),
        ...(typeof protectProbes === 'boolean' && { protectProbes }),
      };
    }
  }

  let inspector: LauncherConfig['inspector'];
  const inspectorServer = c.server(raw.inspector, 'inspector', INSPECTOR);
  if (inspectorServer) {
    const { section: inspectorRaw, port, host, allowedHosts } = inspectorServer;
    const title = c.string(inspectorRaw.title, 'inspector.title');
    if (port !== undefined) {
      inspector = {
        port,
        ...(host !== undefined && { host }),
        ...(allowedHosts !== undefined && { allowedHosts }),
        ...(title !== undefined && { title }),
      };
    }
  }

  const services: ServiceEntry[] = [];
  if (!Array.isArray(raw.services) || raw.services.length === 0) {
    c.bad(
      'services',
      'a non-empty list of "<module>#<export>" or { module, export, replicas }',
      raw.services,
    );
  } else {
    raw.services.forEach((value: unknown, i: number) => {
      const entry = readEntry(c, value, `services[${i}]`);
      if (entry) services.push(entry);
    });
  }
  if (c.problems.length > 0) {
    throw new LauncherConfigError('LAUNCHER_CONFIG_INVALID', file, c.problems);
  }
  return {
    file,
    id,
    strategy,
    maxRestarts,
    restartWindow,
    shutdownTimeout,
    shutdownDelay,
    control,
    inspector,
    services,
  };
}

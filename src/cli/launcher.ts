/**
 * The launcher behind `xstate-supervisor start <config>` (GCL Looper's Launchpad): loads the
 * modules a config file names, builds the root supervisor from their exports (replicas
 * included) and runs it with `run()`, so signals, exit codes and shutdown are `run()`'s own.
 * Internal: the launcher is reached through the CLI; nothing here is exported from the package.
 */
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { specOf } from '../core/child-spec.ts';
import { describeValue, SupervisorConfigError } from '../core/errors.ts';
import { createSupervisor } from '../machines/supervisor.ts';
import { type RunHandle, run } from '../run/run.ts';
import {
  type LauncherConfig,
  LauncherConfigError,
  type LauncherProblem,
  loadLauncherConfig,
  type ServiceEntry,
} from './launcher-config.ts';

/** One child the config makes: its id and where it comes from. */
export interface LaunchedChild {
  readonly id: string;
  readonly kind: string;
  /** `./services.mjs#poller`, as the config names it. */
  readonly from: string;
}

/** A config, its modules loaded: the root machine and what it holds. */
export interface LaunchPlan {
  readonly config: LauncherConfig;
  readonly root: ReturnType<typeof createSupervisor>;
  readonly children: readonly LaunchedChild[];
}

interface Problem extends LauncherProblem {
  readonly code: string;
}

/** The URL to import for `module`: a path relative to the config file, absolute, or a package. */
function moduleUrl(module: string, configFile: string): string {
  if (module.startsWith('.') || isAbsolute(module)) {
    return pathToFileURL(resolve(dirname(configFile), module)).href;
  }
  // A package name: resolved from the config file's folder, as its own imports would be.
  return pathToFileURL(createRequire(resolve(configFile)).resolve(module)).href;
}

/** A module's namespace, or why it could not be loaded: tagged, since exports may be any names. */
type Imported =
  | { readonly ok: true; readonly namespace: Record<string, unknown> }
  | { readonly ok: false; readonly problem: Problem };

const failed = (problem: Problem): Imported => ({ ok: false, problem });

async function importModule(entry: ServiceEntry, configFile: string): Promise<Imported> {
  const key = entry.key;
  let url: string;
  try {
    url = moduleUrl(entry.module, configFile);
  } catch {
    return failed({
      code: 'LAUNCHER_MODULE_NOT_FOUND',
      key,
      expected: 'a module path relative to the config file, absolute, or an installed package',
      received: entry.module,
      message: `module "${entry.module}" not found (looked for the package from ${dirname(resolve(configFile))}).`,
    });
  }
  try {
    return { ok: true, namespace: (await import(url)) as Record<string, unknown> };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (
      code === 'ERR_MODULE_NOT_FOUND' &&
      String((error as Error).message).includes(fileURLToPath(url))
    ) {
      return failed({
        code: 'LAUNCHER_MODULE_NOT_FOUND',
        key,
        expected: 'an existing module',
        received: entry.module,
        message: `module "${entry.module}" not found: no file ${fileURLToPath(url)}.`,
      });
    }
    const hint =
      code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? '; a .ts module needs a TypeScript loader: NODE_OPTIONS="--import tsx" xstate-supervisor start ...'
        : '';
    return failed({
      code: 'LAUNCHER_MODULE_FAILED',
      key,
      expected: 'a module that loads',
      received: entry.module,
      message: `module "${entry.module}" failed to load: ${(error as Error).message.split('\n')[0]}${hint}`,
    });
  }
}

/** The export: a named ESM export, or a property of a CommonJS module's `module.exports`. */
function exportOf(namespace: Record<string, unknown>, name: string): unknown {
  if (name in namespace) return namespace[name];
  const cjs = namespace.default;
  if (name !== 'default' && typeof cjs === 'object' && cjs !== null && name in cjs) {
    return (cjs as Record<string, unknown>)[name];
  }
  return undefined;
}

const SUPERVISABLE =
  'a service or supervisor machine (createService, createSupervisor, a service kind, supervise()), or a function (id, index) returning one';

/** The children one entry makes: the machine itself, or the factory's `replicas` copies. */
function childrenOf(
  entry: ServiceEntry,
  namespace: Record<string, unknown>,
  from: string,
): { machines: object[]; children: LaunchedChild[] } | Problem {
  const value = exportOf(namespace, entry.export);
  if (value === undefined) {
    const names = Object.keys(namespace).filter((n) => n !== '__esModule');
    return {
      code: 'LAUNCHER_EXPORT_MISSING',
      key: entry.key,
      expected: `an export named "${entry.export}"`,
      received: undefined,
      message: `${from}: the module has no export "${entry.export}" (its exports: ${names.join(', ') || 'none'}).`,
    };
  }
  const invalid = (received: unknown, why = ''): Problem => ({
    code: 'LAUNCHER_EXPORT_INVALID',
    key: entry.key,
    expected: SUPERVISABLE,
    received,
    message: `${from} is ${describeValue(received)}${why}; expected ${SUPERVISABLE}.`,
  });
  if (typeof value === 'function') {
    const base = entry.id ?? (entry.export === 'default' ? undefined : entry.export);
    if (base === undefined) {
      return invalid(value, ', a factory exported as default needs an "id" in its entry');
    }
    const n = entry.replicas ?? 1;
    const machines: object[] = [];
    const children: LaunchedChild[] = [];
    for (let i = 1; i <= n; i++) {
      const id = n === 1 ? base : `${base}-${i}`;
      let machine: unknown;
      try {
        machine = (value as (id: string, index: number) => unknown)(id, i);
      } catch (error) {
        return invalid(value, `, which threw for id "${id}": ${(error as Error).message}`);
      }
      const spec = specOf(machine);
      if (!spec) return invalid(machine, `, returned by the factory for id "${id}"`);
      if (spec.id !== id) {
        return invalid(
          machine,
          `, returned for id "${id}" with id "${spec.id}" (give the factory's id to createService)`,
        );
      }
      machines.push(machine as object);
      children.push({ id, kind: spec.kind, from });
    }
    return { machines, children };
  }
  const spec = specOf(value);
  if (!spec) return invalid(value);
  if ((entry.replicas ?? 1) > 1 || entry.id !== undefined) {
    return {
      code: 'LAUNCHER_EXPORT_INVALID',
      key: entry.replicas === undefined ? `${entry.key}.id` : `${entry.key}.replicas`,
      expected: 'a factory export (id, index) => machine, for replicas or an id of its own',
      received: entry.replicas ?? entry.id,
      message: `${from} is the machine "${spec.id}", whose id is fixed; for replicas or another id, export a function (id, index) => createService({ id, ... }).`,
    };
  }
  return { machines: [value as object], children: [{ id: spec.id, kind: spec.kind, from }] };
}

/**
 * Reads the config file, loads every module it names and builds the root supervisor. Every
 * problem (keys, modules, exports, duplicate ids) comes in one {@link LauncherConfigError}.
 */
export async function planLaunch(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<LaunchPlan> {
  const config = await loadLauncherConfig(file, env);
  const problems: Problem[] = [];
  const machines: object[] = [];
  const children: LaunchedChild[] = [];
  for (const entry of config.services) {
    const from = `${entry.module}#${entry.export}`;
    const imported = await importModule(entry, file);
    if (!imported.ok) {
      problems.push(imported.problem);
      continue;
    }
    const made = childrenOf(entry, imported.namespace, from);
    if ('code' in made) problems.push(made);
    else {
      machines.push(...made.machines);
      children.push(...made.children);
    }
  }
  const seen = new Map<string, LaunchedChild>();
  for (const child of children) {
    const first = seen.get(child.id);
    if (first) {
      problems.push({
        code: 'LAUNCHER_CONFIG_INVALID',
        key: 'services',
        expected: 'ids unique in the root',
        received: child.id,
        message: `the id "${child.id}" is used twice (${first.from} and ${child.from}); ids must be unique among the root's children: give a factory entry an "id".`,
      });
    } else seen.set(child.id, child);
  }
  if (problems.length > 0) {
    throw new LauncherConfigError(problems[0]!.code, file, problems);
  }
  try {
    const root = createSupervisor({
      id: config.id,
      children: machines as never,
      ...(config.strategy !== undefined && { strategy: config.strategy }),
      ...(config.maxRestarts !== undefined && { maxRestarts: config.maxRestarts }),
      ...(config.restartWindow !== undefined && { restartWindow: config.restartWindow }),
    });
    return { config, root, children };
  } catch (error) {
    if (error instanceof SupervisorConfigError) {
      throw new LauncherConfigError('LAUNCHER_CONFIG_INVALID', file, [
        { key: error.option, expected: error.expected, received: error.received },
      ]);
    }
    throw error;
  }
}

/** What `--check` prints: the tree the config makes and the servers it asks for. */
export function describePlan(plan: LaunchPlan): string {
  const { config } = plan;
  const lines = [`${config.file}: ok`];
  const policy = [
    config.strategy ?? 'one-for-all (default)',
    config.maxRestarts === undefined ? undefined : `maxRestarts ${config.maxRestarts}`,
    config.restartWindow === undefined ? undefined : `restartWindow ${config.restartWindow} ms`,
  ].filter((part) => part !== undefined);
  lines.push(`root "${config.id}": ${policy.join(', ')}`);
  for (const child of plan.children) lines.push(`  ${child.id}  ${child.kind}  ${child.from}`);
  const server = (s: { port: number; host?: string; allowedHosts?: string[] }) =>
    `${s.host ?? '127.0.0.1'}:${s.port}${s.allowedHosts?.length ? `, also as ${s.allowedHosts.join(', ')}` : ''}`;
  if (config.control) {
    lines.push(`control API: ${server(config.control)}${config.control.token ? ' (token)' : ''}`);
  }
  if (config.inspector) lines.push(`inspector: ${server(config.inspector)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs a plan with `run()`: SIGINT/SIGTERM stop it gracefully (exit 0), a root failure exits
 * 1, an overrun 70, as `run()` documents; the process exits with that code.
 */
export function launch(plan: LaunchPlan): RunHandle {
  const { config } = plan;
  return run(plan.root, {
    ...(config.shutdownTimeout !== undefined && { shutdownTimeout: config.shutdownTimeout }),
    ...(config.shutdownDelay !== undefined && { shutdownDelay: config.shutdownDelay }),
    ...(config.control && { control: config.control }),
    ...(config.inspector && { inspector: config.inspector }),
  });
}

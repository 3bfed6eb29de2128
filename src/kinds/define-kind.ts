/**
 * `defineKind`: the one way to build a service kind (periodic, cron, workers, servers, clients,
 * worker threads, child processes, and the durable cluster cron and singleton wrapper). A kind
 * says which options it has and how it checks them, what resource a generation holds and what
 * an iteration does; the rest (the common options, their validation, the pairing with the
 * user's hooks, the machine) is the same for all.
 */
import {
  COMMON_SERVICE_OPTIONS,
  checkOptionNames,
  type LocalState,
  type LoopSchedule,
  PACING_OPTIONS,
  type ResolvedServiceOptions,
  resolveServiceOptions,
  type ServiceContext,
  type ServiceOptions,
} from '../core/service-options.ts';
import type { Fail } from '../core/validate.ts';
import { type ServiceMachine, serviceFromResolved } from '../machines/service.ts';
import {
  type GenerationHook,
  type GenerationHooks,
  holdUntilStopped,
  pairResource,
} from './resource-hooks.ts';

/** The name of a common service option. @internal */
type CommonServiceOption = (typeof COMMON_SERVICE_OPTIONS)[number];

/**
 * What a kind is, for {@link defineKind}. `Options` are the kind's options as the user passes
 * them, `Settings` what `settings` makes of the kind's own ones, `Api` what the kind adds to
 * its machine (`trigger()`, `put()`, ...). @internal
 *
 * @example
 * ```ts
 * const spec: KindSpec<{ id: string; every: number }, number> = {
 *   own: ['every'],
 *   settings: (options, fail) => checkTimerDelay(options.every, 'every', fail, false),
 *   build: ({ settings }) => ({ iterate: () => {}, shown: { every: settings } }),
 * };
 * ```
 */
export interface KindSpec<Options extends object, Settings, Api extends object = object> {
  /**
   * The kind's own option names. With the common service options (and the pacing ones when
   * `pacing` is set) they are the one table of names the kind accepts: any other throws a
   * `ServiceConfigError` (`SERVICE_CONFIG_UNKNOWN_OPTION`) listing them, in this order.
   */
  readonly own: readonly string[];
  /**
   * The common service options the kind takes, when it takes only some of them (a cluster
   * cron takes `id`, `maxFailures`, `gracePeriod` and `restart`, no hooks): the others are
   * unknown options there, and left out of the listed names.
   * @default all of them
   */
  readonly common?: readonly CommonServiceOption[];
  /**
   * Accept `createService`'s pacing options (`minPeriod`, `pause`, ...) as they are.
   * @default false
   */
  readonly pacing?: boolean;
  /** For an unknown option users try (`iterate` on a worker), what to say instead. */
  readonly hints?: Readonly<Record<string, string>>;
  /**
   * Checks the kind's own options, once, before the common ones; `fail` throws a
   * `ServiceConfigError` (`SERVICE_CONFIG_INVALID`) owned by the service id.
   */
  settings(options: Options, fail: Fail): Settings;
  /** Common options whose default is the kind's own (a process: `maxFailures: 0`). */
  defaults?(settings: Settings): Partial<ServiceOptions>;
  /** The kind's runtime, from its settings and the resolved common options. */
  build(input: KindInput<Settings>): KindParts<Api>;
}

/**
 * What {@link KindSpec.build} receives. @internal
 *
 * @example
 * ```ts
 * const build = ({ settings, service }: KindInput<number>) => ({
 *   iterate: () => {},
 *   shown: { every: settings, grace: service.gracePeriod },
 * });
 * ```
 */
export interface KindInput<Settings> {
  readonly settings: Settings;
  /** The common options, validated, with their defaults. */
  readonly service: ResolvedServiceOptions;
  /** The common options as the user gave them (for what the inspector shows). */
  readonly common: Readonly<Record<string, unknown>>;
}

/**
 * A kind's runtime, for {@link defineKind}. @internal
 *
 * @example
 * ```ts
 * const parts: KindParts = { open: connect, close: disconnect, shown: { kind: 'link' } };
 * ```
 */
export interface KindParts<Api extends object = object> {
  /** One iteration. @default holdUntilStopped (the service just holds its resource) */
  readonly iterate?: (ctx: ServiceContext) => unknown;
  /** Opens the generation's resource, after the user's `onStart` (see `pairResource`). */
  readonly open?: GenerationHook;
  /** Closes it, before the user's `onStop`; runs once for every start that succeeded. */
  readonly close?: GenerationHook;
  /**
   * Bookkeeping around the paired hooks, outside the user's (the timed kinds' per-actor
   * state, a durable queue's attach): gets the paired hooks, returns the ones the core runs.
   */
  readonly around?: (hooks: GenerationHooks) => GenerationHooks;
  /** The kind's own schedule, replacing the pacing options. */
  readonly schedule?: LoopSchedule;
  /** Per-actor state, and what `getTree()` shows of it as `details`. */
  readonly local?: LocalState;
  /** What the inspector shows as the options (no secrets). */
  readonly shown: object;
  /** What the kind adds to its machine (`trigger()`, `put()`, ...), assigned onto it. */
  readonly api?: (machine: ServiceMachine) => Api;
}

/** The options of `keys` that were given, `undefined` ones included when `all`. */
function pick(
  record: Record<string, unknown>,
  keys: readonly string[],
  all: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (keys.includes(key) && (all || record[key] !== undefined)) out[key] = record[key];
  }
  return out;
}

/** Stands for the kind's iteration while the common options are checked. */
const placeholder = (): undefined => undefined;

/**
 * Builds a service kind's machine, the one way every kind is built (decision 0118):
 * 1. the option names are checked against one table (the common service options, or those of
 *    them in `common`; the kind's `own`; the pacing ones with `pacing`);
 * 2. `settings` checks the kind's own options, then the common ones are checked as
 *    `createService` checks them (with the kind's `defaults` under them);
 * 3. `build` gives the runtime: its resource is opened after the user's `onStart` and closed
 *    before the user's `onStop` (`pairResource`); without `iterate` the service holds it.
 *
 * Gotcha: every check happens here, once, at creation; a bad option throws a
 * `ServiceConfigError` naming it, what was received and what was expected. @internal
 *
 * @example
 * ```ts
 * export function createLinkService(options: LinkOptions): ServiceMachine {
 *   return defineKind(options, {
 *     own: ['port'],
 *     settings: (o, fail) => checkInteger(o.port, 'port', fail, 1) ?? 7000,
 *     build: ({ settings: port }) => ({
 *       open: (ctx) => connectTo(port, ctx),
 *       close: (ctx) => disconnect(ctx),
 *       shown: { port },
 *     }),
 *   });
 * }
 * ```
 */
export function defineKind<Options extends object, Settings, Api extends object = object>(
  options: Options,
  spec: KindSpec<Options, Settings, Api>,
): ServiceMachine & Api {
  const common = spec.common ?? COMMON_SERVICE_OPTIONS;
  const known = [...common, ...spec.own, ...(spec.pacing ? PACING_OPTIONS : [])];
  const { fail } = checkOptionNames(options, known, spec.hints ? { hints: spec.hints } : {});
  const record = options as Record<string, unknown>;
  const settings = spec.settings(options, fail);
  const given = pick(record, spec.pacing ? [...common, ...PACING_OPTIONS] : common, false);
  const service = resolveServiceOptions({
    ...spec.defaults?.(settings),
    ...given,
    iterate: placeholder,
  } as ServiceOptions);
  const parts = spec.build({
    settings,
    service,
    common: pick(record, common, true),
  });
  const paired = pairResource(service, parts.open, parts.close);
  const hooks = parts.around ? parts.around(paired) : paired;
  const machine = serviceFromResolved(
    {
      ...service,
      iterate: parts.iterate ?? holdUntilStopped,
      onStart: hooks.onStart,
      onStop: hooks.onStop,
      schedule: parts.schedule,
      local: parts.local,
    },
    parts.shown,
  );
  // Descriptors, not values: an `api` getter (a client's `connection`) stays live on the machine.
  if (parts.api)
    Object.defineProperties(machine, Object.getOwnPropertyDescriptors(parts.api(machine)));
  return machine as ServiceMachine & Api;
}

/**
 * Required configuration (aiomisc's `__required__`): a service declares the values it needs,
 * with a type for each; `createService` checks them all at once, coerces strings from the
 * environment, and throws one `ServiceConfigError` naming every missing or invalid key.
 */
import { describeValue, ServiceConfigError } from './errors.ts';
import { checkKnown, checkObject, type Fail } from './validate.ts';

/**
 * The built-in value types of a `config` key. Strings (as `process.env` gives them) are
 * coerced: `'number'` and `'integer'` parse numbers, `'port'` an integer from 0 to 65535,
 * `'boolean'` accepts `true/false`, `1/0`, `yes/no`, `on/off` (any case), `'url'` parses an
 * absolute URL into a `URL`.
 *
 * @example
 * ```ts
 * const port: ConfigType = 'port'; // "8080" → 8080; "http" → a config error
 * ```
 */
export type ConfigType = 'string' | 'number' | 'integer' | 'port' | 'boolean' | 'url';

/**
 * A custom check of a `config` value: returns what was expected (in words) when the value is
 * wrong, `undefined` when it is right. The value is kept as it is; it is only called for a
 * present value (not `undefined`, `null` or `''`).
 *
 * @example
 * ```ts
 * const level: ConfigCheck = (v) =>
 *   ['debug', 'info', 'warn'].includes(String(v)) ? undefined : 'one of debug, info, warn';
 * ```
 */
export type ConfigCheck = (value: unknown) => string | undefined;

/**
 * How one `config` key is checked: a {@link ConfigType} or a {@link ConfigCheck}.
 *
 * @example
 * ```ts
 * const specs: Record<string, ConfigSpec> = { host: 'string', port: 'port', mode: (v) => undefined };
 * ```
 */
export type ConfigSpec = ConfigType | ConfigCheck;

/**
 * The TypeScript type each {@link ConfigType} is coerced to.
 *
 * @example
 * ```ts
 * const port: ConfigTypes['port'] = 8080;
 * ```
 */
export interface ConfigTypes {
  /** A non-empty string. */
  string: string;
  /** A finite number, or a string of one. */
  number: number;
  /** A safe integer, or a string of one. */
  integer: number;
  /** An integer from 0 to 65535, or a string of one (0: pick a free port). */
  port: number;
  /** `true`/`false`, or `true/false`, `1/0`, `yes/no`, `on/off` in any case. */
  boolean: boolean;
  /** An absolute URL string (or a `URL`), read into a `URL`. */
  url: URL;
}

/**
 * The `config` option of a service: the raw `values` (often from `process.env`) and the keys
 * that must be there (`required`) or may be absent (`optional`), each with its type.
 *
 * A value counts as missing when it is `undefined`, `null` or `''` (an empty environment
 * variable). Keys of `values` that are in neither list are not kept in `ctx.config`.
 *
 * @example
 * ```ts
 * createService({
 *   id: 'api',
 *   config: {
 *     values: { host: process.env.HOST, port: process.env.PORT, debug: process.env.DEBUG },
 *     required: { host: 'string', port: 'port' },
 *     optional: { debug: 'boolean' },
 *   },
 *   iterate(ctx) {
 *     ctx.config.port; // number
 *     ctx.config.debug; // boolean | undefined
 *   },
 * });
 * ```
 */
export interface ServiceConfigOptions {
  /** The raw values, by key: `process.env` itself, or an object picked from it. Required. */
  readonly values: object;
  /**
   * Keys that must be present and valid.
   * @default {}
   */
  readonly required?: Readonly<Record<string, ConfigSpec>>;
  /**
   * Keys that may be missing (then `undefined` in `ctx.config`) but must be valid if present.
   * @default {}
   */
  readonly optional?: Readonly<Record<string, ConfigSpec>>;
}

/**
 * `ctx.config` of a service without a `config` option (an empty, frozen object).
 *
 * @example
 * ```ts
 * const none: ServiceConfig = {};
 * ```
 */
export type ServiceConfig = Readonly<Record<string, unknown>>;

type SpecsOf<D, K extends 'required' | 'optional'> = D extends { readonly [P in K]?: infer S }
  ? unknown extends S
    ? {}
    : NonNullable<S>
  : {};
type RawOf<V, K> = K extends keyof V ? Exclude<V[K], undefined | null> : unknown;
type ValueOf<S, Raw> = S extends ConfigType ? ConfigTypes[S] : Raw;

/**
 * The type of `ctx.config` for a `config` option `D`: the `required` keys with their coerced
 * types, the `optional` ones the same or `undefined`. A custom check keeps the type of the
 * raw value.
 *
 * @example
 * ```ts
 * type C = ConfigOf<{ values: { PORT?: string }; required: { PORT: 'port' } }>; // { readonly PORT: number }
 * ```
 */
export type ConfigOf<D> = [D] extends [ServiceConfigOptions]
  ? {
      readonly [K in
        | keyof SpecsOf<D, 'required'>
        | keyof SpecsOf<D, 'optional'>]: K extends keyof SpecsOf<D, 'required'>
        ? ValueOf<SpecsOf<D, 'required'>[K], RawOf<D['values'], K>>
        : K extends keyof SpecsOf<D, 'optional'>
          ? ValueOf<SpecsOf<D, 'optional'>[K], RawOf<D['values'], K>> | undefined
          : never;
    }
  : ServiceConfig;

const TYPES: Readonly<Record<ConfigType, string>> = {
  string: 'a non-empty string',
  number: 'a finite number (a number, or a string of one)',
  integer: 'an integer (a number, or a string of one)',
  port: 'a port number: an integer from 0 to 65535',
  boolean: 'a boolean: true/false, 1/0, yes/no or on/off',
  url: 'an absolute URL, e.g. "http://127.0.0.1:8080"',
};

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

type Checked = { ok: true; value: unknown } | { ok: false; expected: string };

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function coerce(type: ConfigType, value: unknown): unknown {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'number':
      return toNumber(value);
    case 'integer': {
      const n = toNumber(value);
      return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
    }
    case 'port': {
      const n = toNumber(value);
      return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 65_535 ? n : undefined;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const text = String(value).trim().toLowerCase();
      if (typeof value !== 'string' && typeof value !== 'number') return undefined;
      return TRUE.has(text) ? true : FALSE.has(text) ? false : undefined;
    }
    case 'url':
      if (value instanceof URL) return new URL(value.href);
      if (typeof value !== 'string') return undefined;
      try {
        return new URL(value);
      } catch {
        return undefined;
      }
  }
}

function check(spec: ConfigSpec, value: unknown): Checked {
  if (typeof spec === 'function') {
    let problem: string | undefined;
    try {
      problem = spec(value);
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    return problem === undefined ? { ok: true, value } : { ok: false, expected: problem };
  }
  const coerced = coerce(spec, value);
  return coerced === undefined
    ? { ok: false, expected: TYPES[spec] }
    : { ok: true, value: coerced };
}

function expectedOf(spec: ConfigSpec): string {
  return typeof spec === 'function'
    ? `a value ${spec.name ? `${spec.name} accepts` : 'its check accepts'}`
    : TYPES[spec];
}

const isMissing = (value: unknown): boolean =>
  value === undefined || value === null || value === '';

function checkSpecs(
  specs: unknown,
  option: 'required' | 'optional',
  fail: Fail,
): Readonly<Record<string, ConfigSpec>> {
  if (specs === undefined) return {};
  checkObject(specs, `config.${option}`, fail);
  for (const [key, spec] of Object.entries(specs as object)) {
    if (typeof spec !== 'function' && !Object.hasOwn(TYPES, spec as string)) {
      fail({
        option: `config.${option}.${key}`,
        received: spec,
        expected: `one of ${Object.keys(TYPES)
          .map((t) => `'${t}'`)
          .join(', ')}, or a check function`,
      });
    }
  }
  return specs as Readonly<Record<string, ConfigSpec>>;
}

/**
 * Validates the `config` option and its values; returns the frozen config (`ctx.config`), or
 * undefined when there is no `config` option. A bad option throws at once; bad values are
 * collected and thrown together, as one `ServiceConfigError` on `config.values`.
 * @internal
 */
export function resolveServiceConfig(
  raw: unknown,
  owner: string | undefined,
  fail: Fail,
): ServiceConfig | undefined {
  if (raw === undefined) return undefined;
  checkObject(raw, 'config', fail);
  checkKnown(raw as object, ['values', 'required', 'optional'], (key) =>
    fail({
      option: `config.${key}`,
      received: (raw as Record<string, unknown>)[key],
      expected: 'no such key; `config` takes values, required and optional',
    }),
  );
  const { values, required, optional } = raw as Record<string, unknown>;
  if (typeof values !== 'object' || values === null) {
    fail({
      option: 'config.values',
      received: values,
      expected: 'an object of raw values, e.g. process.env',
    });
  }
  const req = checkSpecs(required, 'required', fail);
  const opt = checkSpecs(optional, 'optional', fail);
  for (const key of Object.keys(opt)) {
    if (Object.hasOwn(req, key)) {
      fail({
        option: `config.optional.${key}`,
        received: opt[key],
        expected: `a key not also in config.required`,
      });
    }
  }
  const source = values as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  const received: Record<string, unknown> = {};
  for (const [specs, isRequired] of [
    [req, true],
    [opt, false],
  ] as const) {
    for (const [key, spec] of Object.entries(specs)) {
      const value = source[key];
      if (isMissing(value)) {
        if (isRequired) {
          problems.push(`\`${key}\` is missing (expected ${expectedOf(spec)})`);
          received[key] = value;
        } else {
          config[key] = undefined;
        }
        continue;
      }
      const checked = check(spec, value);
      if (checked.ok) {
        config[key] = checked.value;
      } else {
        problems.push(`\`${key}\` is ${describeValue(value)} (expected ${checked.expected})`);
        received[key] = value;
      }
    }
  }
  if (problems.length > 0) {
    throw new ServiceConfigError({
      option: 'config.values',
      received,
      expected: `every required key present and every key valid; ${problems.length} ${problems.length === 1 ? 'key is' : 'keys are'} wrong: ${problems.join('; ')}`,
      owner,
    });
  }
  return Object.freeze(config);
}

/**
 * The options as the inspector may show them: `config.values` (often all of `process.env`,
 * secrets included) replaced by the declared key names. @internal
 */
export function withoutConfigValues(options: object): object {
  const config = (options as { config?: unknown }).config;
  if (typeof config !== 'object' || config === null) return options;
  const { required, optional } = config as ServiceConfigOptions;
  return {
    ...options,
    config: { required: Object.keys(required ?? {}), optional: Object.keys(optional ?? {}) },
  };
}

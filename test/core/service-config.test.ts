import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createActor } from 'xstate';
import type { ConfigOf, ConfigType } from '../../src/core/service-config.ts';
import {
  createService,
  createSupervisor,
  type ServiceConfigError,
  type ServiceContext,
} from '../../src/index.ts';
import { closeServedAfterEach, post, serve } from '../control/server-helpers.ts';
import { settle } from '../helpers/async.ts';
import { launch } from '../helpers/service.ts';

afterEach(() => {
  vi.useRealTimers();
});
closeServedAfterEach();

const iterate = () => {};

function errorOf(run: () => unknown): ServiceConfigError {
  try {
    run();
  } catch (e) {
    return e as ServiceConfigError;
  }
  throw new Error('expected a ServiceConfigError');
}

function configOf(type: ConfigType, value: unknown): ServiceContext['config'] {
  let config: ServiceContext['config'] = {};
  createActor(
    createService({
      id: 'probe',
      config: { values: { key: value }, required: { key: type } },
      iterate,
      // onStart runs synchronously within start(), so the probe can stop at once.
      onStart: (ctx) => {
        config = ctx.config;
      },
    }),
  )
    .start()
    .stop();
  return config;
}

describe('config: coercion of values from the environment', () => {
  it.each([
    ['string', 'db.internal', 'db.internal'],
    ['number', '2.5', 2.5],
    ['number', ' 10 ', 10],
    ['number', 7, 7],
    ['integer', '42', 42],
    ['integer', -3, -3],
    ['port', '8080', 8080],
    ['port', '0', 0],
    ['port', 65_535, 65_535],
    ['boolean', 'true', true],
    ['boolean', 'FALSE', false],
    ['boolean', '1', true],
    ['boolean', 'off', false],
    ['boolean', 'Yes', true],
    ['boolean', false, false],
  ] as const)('coerces %s from %j to %j', (type, value, expected) => {
    expect(configOf(type, value).key).toBe(expected);
  });

  it('parses a url into a URL', () => {
    const url = configOf('url', 'http://127.0.0.1:8080/api').key;
    expect(url).toBeInstanceOf(URL);
    expect((url as URL).port).toBe('8080');
  });

  it.each([
    ['string', 42, 'a non-empty string'],
    ['number', 'ten', 'a finite number'],
    ['number', 'Infinity', 'a finite number'],
    ['integer', '4.2', 'an integer'],
    ['port', '65536', 'an integer from 0 to 65535'],
    ['port', '-1', 'an integer from 0 to 65535'],
    ['port', 'http', 'an integer from 0 to 65535'],
    ['boolean', 'maybe', 'true/false, 1/0, yes/no or on/off'],
    ['url', 'not a url', 'an absolute URL'],
    ['url', '/relative/path', 'an absolute URL'],
  ] as const)('rejects %s = %j, saying what was expected', (type, value, expected) => {
    const error = errorOf(() =>
      createService({
        id: 'api',
        config: { values: { key: value }, required: { key: type } },
        iterate,
      }),
    );
    expect(error.name).toBe('ServiceConfigError');
    expect(error.message).toContain('`key`');
    expect(error.message).toContain(expected);
  });
});

describe('config: one error naming every missing or invalid key', () => {
  it('throws one ServiceConfigError at creation, listing each key with what it received and expected', () => {
    const error = errorOf(() =>
      createService({
        id: 'api',
        config: {
          values: { host: undefined, port: 'http', debug: 'maybe', region: 'eu' },
          required: { host: 'string', port: 'port', region: 'string' },
          optional: { debug: 'boolean' },
        },
        iterate,
      }),
    );
    expect(error.name).toBe('ServiceConfigError');
    expect(error.code).toBe('SERVICE_CONFIG_INVALID');
    expect(error.owner).toBe('api');
    expect(error.option).toBe('config.values');
    expect(error.received).toEqual({ host: undefined, port: 'http', debug: 'maybe' });
    expect(error.message).toContain('of service "api"');
    expect(error.message).toContain('3 keys are wrong');
    expect(error.message).toContain('`host` is missing (expected a non-empty string)');
    expect(error.message).toContain(
      '`port` is `"http"` (string) (expected a port number: an integer from 0 to 65535)',
    );
    expect(error.message).toContain('`debug` is `"maybe"` (string) (expected a boolean');
    expect(error.message).not.toContain('`region`');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string (an empty environment variable)', ''],
  ])('counts %s as missing', (_, value) => {
    const error = errorOf(() =>
      createService({
        id: 'api',
        config: { values: { token: value }, required: { token: 'string' } },
        iterate,
      }),
    );
    expect(error.message).toContain('1 key is wrong: `token` is missing');
  });

  it('leaves a missing optional key undefined, but checks it when present', () => {
    expect(configOf('string', 'x')).toEqual({ key: 'x' });
    let config: ServiceContext['config'] = {};
    createActor(
      createService({
        id: 'opt',
        config: { values: {}, optional: { debug: 'boolean' } },
        iterate,
        onStart: (ctx) => {
          config = ctx.config;
        },
      }),
    )
      .start()
      .stop();
    expect(config).toEqual({ debug: undefined });
    expect(Object.hasOwn(config, 'debug')).toBe(true);
  });

  it('runs a custom check and quotes what it says was expected; a throwing check counts as invalid', () => {
    const error = errorOf(() =>
      createService({
        id: 'api',
        config: {
          values: { level: 'loud', mode: 'x' },
          required: {
            level: (v) =>
              ['debug', 'info'].includes(String(v)) ? undefined : 'one of debug, info',
            mode: () => {
              throw new Error('a mode this check understands');
            },
          },
        },
        iterate,
      }),
    );
    expect(error.message).toContain('`level` is `"loud"` (string) (expected one of debug, info)');
    expect(error.message).toContain(
      '`mode` is `"x"` (string) (expected a mode this check understands)',
    );
  });

  it('keeps a value a custom check accepts as it is, and does not call the check for a missing one', () => {
    const check = vi.fn((v: unknown) => (typeof v === 'object' ? undefined : 'an object'));
    const value = { nested: true };
    let config: ServiceContext['config'] = {};
    createActor(
      createService({
        id: 'custom',
        config: { values: { obj: value }, required: { obj: check }, optional: { other: check } },
        iterate,
        onStart: (ctx) => {
          config = ctx.config;
        },
      }),
    )
      .start()
      .stop();
    expect(config.obj).toBe(value);
    expect(check).toHaveBeenCalledOnce();
  });

  it('reads process.env directly and keeps only the declared keys', () => {
    vi.stubEnv('XS_TEST_PORT', '9090');
    vi.stubEnv('XS_TEST_SECRET', 'hunter2');
    let config: ServiceContext['config'] = {};
    createActor(
      createService({
        id: 'env',
        config: { values: process.env, required: { XS_TEST_PORT: 'port' } },
        iterate,
        onStart: (ctx) => {
          config = ctx.config;
        },
      }),
    )
      .start()
      .stop();
    vi.unstubAllEnvs();
    expect(config).toEqual({ XS_TEST_PORT: 9090 });
  });
});

describe('config: the option itself', () => {
  it.each([
    ['config is not an object', 'PORT=1', 'config', 'an options object'],
    ['values is missing', { required: {} }, 'config.values', 'an object of raw values'],
    ['a key of config is unknown', { values: {}, requierd: {} }, 'config.requierd', 'no such key'],
    [
      'a type is unknown',
      { values: {}, required: { port: 'prot' } },
      'config.required.port',
      "'port'",
    ],
    [
      'required is not an object',
      { values: {}, required: ['host'] },
      'config.required',
      'an options object',
    ],
    [
      'a key is both required and optional',
      { values: {}, required: { a: 'string' }, optional: { a: 'string' } },
      'config.optional.a',
      'not also in config.required',
    ],
  ])('rejects it at once when %s', (_, config, option, expected) => {
    const error = errorOf(() => createService({ id: 'api', iterate, config } as never));
    expect(error.name).toBe('ServiceConfigError');
    expect(error.option).toBe(option);
    expect(error.message).toContain(expected);
  });

  it('checks the config once, at creation: a restart reuses the same frozen object', async () => {
    vi.useFakeTimers();
    const seen: ServiceContext['config'][] = [];
    const svc = launch({
      id: 'frozen',
      pause: 100,
      config: { values: { port: '80' }, required: { port: 'port' } },
      onStart: (ctx) => {
        seen.push(ctx.config);
      },
      iterate: (ctx) => {
        seen.push(ctx.config);
      },
      onStop: (ctx) => {
        seen.push(ctx.config);
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(new Set(seen).size).toBe(1);
    expect(Object.isFrozen(seen[0])).toBe(true);
    expect(seen[0]).toEqual({ port: 80 });
    svc.actor.stop();
  });

  it('gives ctx.config = {} without a config option', () => {
    let config: unknown;
    createActor(
      createService({
        id: 'none',
        iterate,
        onStart: (ctx) => {
          config = ctx.config;
        },
      }),
    )
      .start()
      .stop();
    expect(config).toEqual({});
  });

  it('passes ctx.config to actions', async () => {
    const service = createService({
      id: 'api',
      minPeriod: 10,
      config: { values: { region: 'eu-west' }, required: { region: 'string' } },
      iterate,
      actions: { region: (_data, ctx) => ctx.config.region },
    });
    const { url } = await serve({ id: 'root', children: [service] });
    const answer = await post(url, '/actions/api/region', {});
    expect(answer.status).toBe(200);
    expect(answer.json()).toBe('eu-west');
  });

  it('works for a service under a supervisor like any other option', () => {
    const error = errorOf(() =>
      createSupervisor({
        id: 'root',
        children: [
          createService({ id: 'db', config: { values: {}, required: { DSN: 'url' } }, iterate }),
        ],
      }),
    );
    expect(error.owner).toBe('db');
    expect(error.message).toContain('`DSN` is missing (expected an absolute URL');
  });
});

describe('config: types', () => {
  // Compile-time checks: the services are declared, not created (their env is not set here).
  it('types ctx.config from the declaration in iterate, hooks and actions', () => {
    const declare = () =>
      createService({
        id: 'typed',
        config: {
          values: { host: process.env.HOST, port: process.env.PORT, debug: process.env.DEBUG },
          required: { host: 'string', port: 'port' },
          optional: { debug: 'boolean' },
        },
        iterate(ctx) {
          expectTypeOf(ctx.config).toEqualTypeOf<{
            readonly host: string;
            readonly port: number;
            readonly debug: boolean | undefined;
          }>();
        },
        onStart: [(ctx) => expectTypeOf(ctx.config.port).toEqualTypeOf<number>()],
        onStop: (ctx) => expectTypeOf(ctx.config.host).toEqualTypeOf<string>(),
        actions: {
          where: (_data, ctx) =>
            expectTypeOf(ctx.config.debug).toEqualTypeOf<boolean | undefined>(),
        },
      });
    expectTypeOf(declare).toBeFunction();
  });

  it('types a url as URL, a custom check as the raw value, and keys of process.env', () => {
    const declare = () => {
      createService({
        id: 'typed-env',
        // Declared before iterate: TypeScript infers a literal's properties left to right, so
        // an unannotated check (`(v) =>`) must come before the functions that read ctx.config.
        config: {
          values: process.env,
          required: { UPSTREAM: 'url', MODE: (v) => (v === 'a' ? undefined : 'a') },
        },
        iterate(ctx) {
          expectTypeOf(ctx.config.UPSTREAM).toEqualTypeOf<URL>();
          expectTypeOf(ctx.config.MODE).toEqualTypeOf<string>();
        },
      });
      createService({
        id: 'typed-env-after',
        iterate(ctx) {
          expectTypeOf(ctx.config.MODE).toEqualTypeOf<string>();
        },
        // After iterate, a check with an annotated parameter infers just as well.
        config: {
          values: process.env,
          required: { MODE: (v: unknown) => (v === 'a' ? undefined : 'a') },
        },
      });
    };
    expectTypeOf(declare).toBeFunction();
    expectTypeOf<ConfigOf<{ values: { N?: number }; required: { N: 'integer' } }>>().toEqualTypeOf<{
      readonly N: number;
    }>();
  });

  it('keeps ServiceContext as it was without a config option', () => {
    createService({
      id: 'untyped',
      iterate(ctx) {
        expectTypeOf(ctx).toEqualTypeOf<ServiceContext>();
        expectTypeOf(ctx.config).toEqualTypeOf<Readonly<Record<string, unknown>>>();
      },
    });
  });

  it('rejects an unknown type name and an undeclared key at compile time', () => {
    const bad = () => {
      createService({
        id: 'a',
        // @ts-expect-error 'prot' is not a config type
        config: { values: {}, required: { port: 'prot' } },
        iterate() {},
      });
      createService({
        id: 'b',
        config: { values: { port: '1' }, required: { port: 'port' } },
        iterate(ctx) {
          // @ts-expect-error only declared keys are in ctx.config
          void ctx.config.host;
        },
      });
    };
    expectTypeOf(bad).toBeFunction();
  });
});

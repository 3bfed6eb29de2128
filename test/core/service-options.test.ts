import { describe, expect, it } from 'vitest';
import {
  createService,
  SERVICE_DEFAULTS,
  ServiceConfigError,
  type ServiceOptions,
  XstateSupervisorError,
} from '../../src/index.ts';

const iterate = () => {};

/** Calls createService with anything, as JavaScript callers can. */
function create(options: unknown) {
  return createService(options as ServiceOptions);
}

function errorOf(options: unknown): ServiceConfigError {
  try {
    create(options);
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceConfigError);
    return e as ServiceConfigError;
  }
  throw new Error('expected createService to throw');
}

describe('createService option validation', () => {
  it('accepts a minimal service and applies the defaults', () => {
    expect(() => create({ id: 'ok', iterate })).not.toThrow();
    expect(SERVICE_DEFAULTS).toMatchObject({
      maxFailures: 10,
      gracePeriod: 5_000,
      restart: 'permanent',
      resetGlobally: true,
    });
  });

  it('accepts every documented option', () => {
    expect(() =>
      create({
        id: 'all-of-them',
        iterate,
        minPeriod: 0,
        pause: 1,
        delayBefore: 2,
        delayAfter: 3,
        maxFailures: 0,
        gracePeriod: 0,
        restart: 'transient',
        resetGlobally: false,
        significant: true,
        onStart() {},
        onStop() {},
      }),
    ).not.toThrow();
    expect(() => create({ id: 'interval-only', iterate, interval: 100 })).not.toThrow();
  });

  it.each(['a', 'poller', 'Poller_0', 'db.primary', 'x-1', '.hidden', 'a..b'])(
    'accepts the id %j',
    (id) => {
      expect(() => create({ id, iterate })).not.toThrow();
    },
  );

  it('throws a ServiceConfigError whose name is ServiceConfigError', () => {
    const error = errorOf({ id: 'x', iterate, minPeriod: -1 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(XstateSupervisorError);
    expect(error.name).toBe('ServiceConfigError');
    expect(error.code).toBe('SERVICE_CONFIG_INVALID');
  });

  it('names the option, the value received and what is expected (minPeriod -1)', () => {
    const error = errorOf({ id: 'poller', iterate, minPeriod: -1 });
    expect(error.message).toBe(
      'Invalid option `minPeriod` of service "poller": expected a finite number of milliseconds >= 0, got `-1` (number).',
    );
    expect(error).toMatchObject({ option: 'minPeriod', received: -1, owner: 'poller' });
  });

  const times = ['minPeriod', 'pause', 'interval', 'delayBefore', 'delayAfter', 'gracePeriod'];
  const badTimes: [string, unknown, string][] = [
    ['-1', -1, '`-1` (number)'],
    ['-0.5', -0.5, '`-0.5` (number)'],
    ['NaN', Number.NaN, '`NaN` (number)'],
    ['Infinity', Number.POSITIVE_INFINITY, '`Infinity` (number)'],
    ['a string', '100', '`"100"` (string)'],
    ['null', null, '`null` (null)'],
  ];
  for (const option of times) {
    it.each(badTimes)(`rejects ${option} = %s`, (_, value, shown) => {
      const error = errorOf({ id: 'svc', iterate, [option]: value });
      expect(error.code).toBe('SERVICE_CONFIG_INVALID');
      expect(error.option).toBe(option);
      expect(error.message).toContain(`\`${option}\``);
      expect(error.message).toContain('expected a finite number of milliseconds >= 0');
      expect(error.message).toContain(`got ${shown}`);
    });
  }

  it.each([
    ['-1', -1, '`-1` (number)'],
    ['1.5', 1.5, '`1.5` (number)'],
    ['NaN', Number.NaN, '`NaN` (number)'],
    ['Infinity', Number.POSITIVE_INFINITY, '`Infinity` (number)'],
    ['a string', '3', '`"3"` (string)'],
  ])('rejects maxFailures = %s (not an integer >= 0)', (_, value, shown) => {
    const error = errorOf({ id: 'svc', iterate, maxFailures: value });
    expect(error.code).toBe('SERVICE_CONFIG_INVALID');
    expect(error.option).toBe('maxFailures');
    expect(error.message).toContain('`maxFailures`');
    expect(error.message).toContain('expected an integer >= 0');
    expect(error.message).toContain(`got ${shown}`);
  });

  it.each([
    ['with a slash', 'a/b'],
    ['with a space', 'a b'],
    ['of only one dot', '.'],
    ['of only dots', '...'],
    ['empty', ''],
    ['with a non-ASCII letter', 'café'],
    ['that is not a string', 42],
    ['that is missing', undefined],
  ])('rejects an id %s', (_, id) => {
    const error = errorOf({ id, iterate });
    expect(error.code).toBe('SERVICE_CONFIG_INVALID');
    expect(error.option).toBe('id');
    expect(error.received).toBe(id);
    expect(error.message).toContain('`id`');
    expect(error.message).toContain('expected a string of letters, digits');
    expect(error.message).toContain('got ');
  });

  it('rejects an unknown option (a typo is an error, never a silent default)', () => {
    const error = errorOf({ id: 'typo', iterate, minPeriods: 100 });
    expect(error.name).toBe('ServiceConfigError');
    expect(error.code).toBe('SERVICE_CONFIG_UNKNOWN_OPTION');
    expect(error.option).toBe('minPeriods');
    expect(error.message).toContain('`minPeriods`');
    expect(error.message).toContain('got `100` (number)');
    expect(error.message).toContain('minPeriod');
  });

  it('rejects a missing iterate', () => {
    const error = errorOf({ id: 'lazy' });
    expect(error.code).toBe('SERVICE_CONFIG_INVALID');
    expect(error.option).toBe('iterate');
    expect(error.message).toContain('`iterate`');
    expect(error.message).toContain('expected a function');
    expect(error.message).toContain('got `undefined` (undefined)');
  });

  it('rejects an iterate that is not a function', () => {
    const error = errorOf({ id: 'wrong', iterate: 'run' });
    expect(error.option).toBe('iterate');
    expect(error.message).toContain('got `"run"` (string)');
  });

  it('rejects minPeriod together with interval', () => {
    const error = errorOf({ id: 'both', iterate, minPeriod: 100, interval: 100 });
    expect(error.code).toBe('SERVICE_CONFIG_INVALID');
    expect(error.message).toContain('`interval`');
    expect(error.message).toContain('`minPeriod`');
    expect(error.message).toContain('got `100` (number)');
  });

  it.each([
    ['restart', 'sometimes', "one of 'permanent', 'transient', 'temporary'"],
    ['resetGlobally', 'yes', 'true or false'],
    ['significant', 1, 'true or false'],
    ['onStart', 'start', 'a function'],
    ['onStop', {}, 'a function'],
    ['logger', console.log, 'a logger'],
  ])('rejects %s = %j', (option, value, expected) => {
    const error = errorOf({ id: 'svc', iterate, [option]: value });
    expect(error.code).toBe('SERVICE_CONFIG_INVALID');
    expect(error.option).toBe(option);
    expect(error.message).toContain(`\`${option}\``);
    expect(error.message).toContain(expected);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an array', []],
    ['a string', 'poller'],
  ])('rejects options that are %s', (_, options) => {
    const error = errorOf(options);
    expect(error.name).toBe('ServiceConfigError');
    expect(error.code).toBe('SERVICE_CONFIG_INVALID');
    expect(error.message).toContain('expected an options object');
  });
});

/**
 * run()'s options: checked when run() is called, every bad one reported in one error.
 */
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import {
  CommandError,
  createService,
  RunOptionsError,
  run,
  XstateSupervisorError,
} from '../../src/index.ts';

const svc = createService({ id: 'x', iterate() {} });

function thrown(fn: () => unknown): RunOptionsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RunOptionsError);
    return e as RunOptionsError;
  }
  throw new Error('expected run() to throw');
}

describe('run() options', () => {
  it.each([
    ['true', true],
    ['a port number', 9464],
    ['null', null],
    ['an array', [{ port: 0 }]],
  ])('rejects `control` given as %s, naming what it expects', (_name, control) => {
    const error = thrown(() => run(svc, { control } as never));
    expect(error).toMatchObject({
      code: 'RUN_OPTION_INVALID',
      option: 'control',
      received: control,
      expected: expect.stringContaining('an object such as { port: 9464 }'),
    });
    expect(error.message).toContain('Invalid option `control` of run()');
  });

  it('rejects `inspector: true` as it rejects `control: true`', () => {
    expect(thrown(() => run(svc, { inspector: true } as never))).toMatchObject({
      code: 'RUN_OPTION_INVALID',
      option: 'inspector',
    });
  });

  it('reports every bad option of one call in one error, the first one in its fields', () => {
    const error = thrown(() =>
      run(svc, {
        control: true,
        shutdownTimeout: -1,
        signals: ['SIGKILL'],
        exit: 'yes',
        logger: console.log,
        shutdownTimout: 5,
        inspector: { port: -1 },
      } as never),
    );
    expect(error.problems.map((p) => p.option)).toEqual([
      'shutdownTimout',
      'shutdownTimeout',
      'signals',
      'logger',
      'exit',
      'control',
      'inspector',
    ]);
    expect(error).toMatchObject({
      code: 'RUN_OPTION_UNKNOWN',
      option: 'shutdownTimout',
      received: 5,
    });
    expect(error.problems.map((p) => p.code)).toEqual([
      'RUN_OPTION_UNKNOWN',
      'RUN_OPTION_INVALID',
      'RUN_OPTION_INVALID',
      'RUN_OPTION_INVALID',
      'RUN_OPTION_INVALID',
      'RUN_OPTION_INVALID',
      'INSPECTOR_OPTION_INVALID',
    ]);
    expect(error.message).toMatch(
      /^7 bad options of run\(\):\n {2}- Unknown option `shutdownTimout`/,
    );
    for (const p of error.problems) expect(error.message).toContain(p.message);
  });

  it('keeps the code of a bad option inside `control`, with the server check’s message', () => {
    const error = thrown(() => run(svc, { control: { port: 0, tokn: 'x' } } as never));
    expect(error).toBeInstanceOf(XstateSupervisorError);
    expect(error).toMatchObject({ code: 'CONTROL_OPTION_UNKNOWN', option: 'control' });
    expect(error.message).toContain('`tokn`');
  });

  it('rejects telemetry options that are not providers, with their own code', () => {
    expect(thrown(() => run(svc, { telemetry: { tracerProvider: {} } } as never))).toMatchObject({
      code: 'TELEMETRY_OPTION_INVALID',
      option: 'telemetry',
    });
    expect(thrown(() => run(svc, { telemetry: { tracer: {} } } as never))).toMatchObject({
      code: 'TELEMETRY_OPTION_UNKNOWN',
      option: 'telemetry',
    });
  });

  it.each([['discardTimeout'], ['shutdownTimeout'], ['shutdownDelay']])(
    'rejects a negative %s',
    (option) => {
      expect(thrown(() => run(svc, { [option]: -5 }))).toMatchObject({
        code: 'RUN_OPTION_INVALID',
        option,
        received: -5,
        expected: 'a finite number of milliseconds >= 0',
      });
    },
  );

  it('rejects options that are not an object', () => {
    expect(thrown(() => run(svc, 'fast' as never))).toMatchObject({
      code: 'RUN_OPTION_INVALID',
      option: 'options',
    });
  });

  it('throws on an unknown option', () => {
    let error: unknown;
    try {
      run(svc, { shutdownTimout: 5 } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XstateSupervisorError);
    expect(error).toMatchObject({ code: 'RUN_OPTION_UNKNOWN' });
    expect((error as Error).message).toContain('`shutdownTimout`');
    expect((error as Error).message).toContain('shutdownTimeout');
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    'throws on shutdownTimeout %s',
    (shutdownTimeout) => {
      expect(() => run(svc, { shutdownTimeout })).toThrow(
        expect.objectContaining({ code: 'RUN_OPTION_INVALID' }),
      );
    },
  );

  it('throws on a machine not made by createService or createSupervisor', () => {
    const plain = setup({}).createMachine({ id: 'plain' });
    expect(() => run(plain, { exit: false })).toThrow(CommandError);
  });
});

import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createConsoleLogger,
  createService,
  createSupervisor,
  run,
  silentLogger,
} from '../../src/index.ts';

function capture(level?: 'debug' | 'info' | 'warn' | 'error' | 'silent') {
  const lines: string[] = [];
  const logger = createConsoleLogger({
    ...(level === undefined ? {} : { level }),
    write: (line) => lines.push(line),
  });
  return { lines, logger };
}

const TIME = String.raw`\d{2}:\d{2}:\d{2}\.\d{3}`;

describe('createConsoleLogger', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('writes one readable line: time, level, message and fields', () => {
    const { lines, logger } = capture();
    logger.info({ port: 8080, host: '127.0.0.1' }, 'listening');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^${TIME} INFO  listening port=8080 host=127\\.0\\.0\\.1$`),
    );
  });

  it('accepts a message alone, as pino does', () => {
    const { lines, logger } = capture();
    logger.warn('disk almost full');
    expect(lines[0]).toMatch(new RegExp(`^${TIME} WARN  disk almost full$`));
  });

  it('shows the service of a child logger in brackets', () => {
    const { lines, logger } = capture();
    logger.child({ service: 'poller' }).info({ generation: 2 }, 'started');
    expect(lines[0]).toMatch(new RegExp(`^${TIME} INFO  \\[poller\\] started generation=2$`));
  });

  it('joins a path array with slashes', () => {
    const { lines, logger } = capture();
    logger.child({ path: ['root', 'workers', 'poller'] }).info('restarted');
    expect(lines[0]).toContain('[root/workers/poller] restarted');
  });

  it('merges the bindings of nested child loggers', () => {
    const { lines, logger } = capture();
    logger.child({ service: 'db' }).child({ region: 'eu' }).info('up');
    expect(lines[0]).toMatch(/\[db\] up region=eu$/);
  });

  it('writes an error with its message as a field and its stack on the following lines', () => {
    const { lines, logger } = capture();
    const err = new Error('upstream down');
    logger
      .child({ service: 'poller' })
      .error({ generation: 0, iteration: 7, err }, 'iteration failed');
    const [line] = lines;
    const [first, ...rest] = (line ?? '').split('\n');
    expect(first).toMatch(
      new RegExp(
        `^${TIME} ERROR \\[poller\\] iteration failed generation=0 iteration=7 err="upstream down"$`,
      ),
    );
    expect(rest[0]).toBe('    Error: upstream down');
    expect(rest.slice(1).some((l) => l.includes('logger.test.ts'))).toBe(true);
    expect(rest.every((l) => l.startsWith('    '))).toBe(true);
  });

  it('quotes strings with spaces and writes objects as JSON', () => {
    const { lines, logger } = capture();
    logger.info({ reason: 'too many failures', data: { a: [1, 2] } }, 'report');
    expect(lines[0]).toContain('reason="too many failures" data={"a":[1,2]}');
  });

  it('leaves undefined fields out', () => {
    const { lines, logger } = capture();
    logger.info({ a: undefined, b: 1 }, 'x');
    expect(lines[0]).toMatch(/ x b=1$/);
  });

  it('does not throw on a circular field', () => {
    const { lines, logger } = capture();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => logger.info({ loop }, 'circular')).not.toThrow();
    expect(lines[0]).toContain('loop=[object Object]');
  });

  it('respects the level: info drops debug', () => {
    const { lines, logger } = capture('info');
    logger.debug('noise');
    logger.info('signal');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('signal');
  });

  it('respects the level: error drops debug, info and warn', () => {
    const { lines, logger } = capture('error');
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ERROR d');
  });

  it('writes debug lines at level debug', () => {
    const { lines, logger } = capture('debug');
    logger.debug('details');
    expect(lines[0]).toMatch(new RegExp(`^${TIME} DEBUG details$`));
  });

  it('writes nothing at level silent', () => {
    const { lines, logger } = capture('silent');
    logger.error({ err: new Error('x') }, 'even errors');
    expect(lines).toEqual([]);
  });

  it('passes its level on to child loggers', () => {
    const { lines, logger } = capture('warn');
    const child = logger.child({ service: 'c' });
    child.info('dropped');
    child.warn('kept');
    expect(lines).toHaveLength(1);
  });

  it('defaults to info, or to XSTATE_SUPERVISOR_LOG_LEVEL', () => {
    vi.stubEnv('XSTATE_SUPERVISOR_LOG_LEVEL', undefined);
    const { lines: byDefault, logger: plain } = capture();
    plain.debug('dropped');
    expect(byDefault).toEqual([]);
    vi.stubEnv('XSTATE_SUPERVISOR_LOG_LEVEL', 'debug');
    const { lines, logger } = capture();
    logger.debug('kept');
    expect(lines).toHaveLength(1);
  });

  it('ignores an unknown XSTATE_SUPERVISOR_LOG_LEVEL and uses info', () => {
    vi.stubEnv('XSTATE_SUPERVISOR_LOG_LEVEL', 'verbose');
    const { lines, logger } = capture();
    logger.debug('dropped');
    logger.info('kept');
    expect(lines).toHaveLength(1);
  });

  it('writes to stderr by default', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    createConsoleLogger({ level: 'info' }).info('to stderr');
    expect(spy).toHaveBeenCalledOnce();
    expect(String(spy.mock.calls[0]?.[0])).toMatch(/INFO {2}to stderr\n$/);
  });
});

describe('silentLogger', () => {
  it('drops everything, its children too', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    silentLogger.error({ err: new Error('x') }, 'nothing');
    silentLogger.info('nothing');
    silentLogger.child({ service: 'a' }).warn('nothing');
    expect(spy).not.toHaveBeenCalled();
    expect(silentLogger.child({})).toBe(silentLogger);
    spy.mockRestore();
  });
});

describe('formats', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('writes each error stack once: later lines about the same error carry its message only', () => {
    const { lines, logger } = capture();
    const err = new Error('upstream down');
    logger.child({ path: 'root/poller' }).error({ generation: 0, err }, 'iteration failed');
    logger.child({ supervisor: 'root' }).warn({ child: 'poller', err }, 'child.failed');
    expect(lines.join('\n').split('at ').length).toBe(lines[0]!.split('at ').length);
    expect(lines[0]).toContain(err.stack!.split('\n')[1]!.trim());
    expect(lines[1]).toMatch(/child\.failed child=poller err="upstream down" \(stack above\)$/);
    expect(lines[1]).not.toContain('\n');
  });

  it('writes the causes of an error under its stack', () => {
    const { lines, logger } = capture();
    const cause = new Error('ECONNREFUSED 127.0.0.1:5432');
    logger.error({ err: new Error('could not connect', { cause }) }, 'start failed');
    expect(lines[0]).toContain('Caused by: Error: ECONNREFUSED 127.0.0.1:5432');
  });

  it('writes one JSON object per line in pino shape with format: json', () => {
    const { lines, logger } = (() => {
      const out: string[] = [];
      return {
        lines: out,
        logger: createConsoleLogger({ format: 'json', write: (l) => out.push(l) }),
      };
    })();
    const err = Object.assign(new Error('upstream down'), { code: 'E_UP' });
    const child = logger.child({ path: 'root/poller' });
    child.error({ generation: 0, err }, 'iteration failed');
    child.warn({ err }, 'child.failed');
    logger.info('running');
    expect(lines).toHaveLength(3);
    const [first, second, third] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({
      level: 50,
      path: 'root/poller',
      generation: 0,
      msg: 'iteration failed',
      err: { type: 'Error', message: 'upstream down', code: 'E_UP' },
    });
    expect(typeof first!.time).toBe('number');
    expect((first!.err as { stack: string }).stack).toContain('upstream down');
    expect(second).toMatchObject({ level: 40, err: { message: 'upstream down' } });
    expect(second!.err).not.toHaveProperty('stack');
    expect(third).toMatchObject({ level: 30, msg: 'running' });
  });

  it('keeps the line when a field cannot be serialized', () => {
    const out: string[] = [];
    const logger = createConsoleLogger({ format: 'json', write: (l) => out.push(l) });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    logger.info({ cycle }, 'odd');
    expect(JSON.parse(out[0]!)).toMatchObject({ level: 30, msg: 'odd' });
  });

  it('writes JSON under NODE_ENV=production, pretty otherwise, and XSTATE_SUPERVISOR_LOG_FORMAT wins', () => {
    const lineOf = () => {
      const out: string[] = [];
      createConsoleLogger({ write: (l) => out.push(l) }).info('up');
      return out[0]!;
    };
    vi.stubEnv('XSTATE_SUPERVISOR_LOG_FORMAT', '');
    vi.stubEnv('NODE_ENV', 'production');
    expect(JSON.parse(lineOf())).toMatchObject({ msg: 'up' });
    vi.stubEnv('NODE_ENV', 'development');
    expect(lineOf()).toMatch(new RegExp(`^${TIME} INFO  up$`));
    vi.stubEnv('XSTATE_SUPERVISOR_LOG_FORMAT', 'json');
    expect(JSON.parse(lineOf())).toMatchObject({ msg: 'up' });
  });

  it('colours the level, the path and the stack when asked, and never by default into a custom write', () => {
    const out: string[] = [];
    createConsoleLogger({ color: true, write: (l) => out.push(l) })
      .child({ path: 'root/db' })
      .error({ err: new Error('boom') }, 'failed');
    expect(out[0]).toContain('\x1b[31mERROR\x1b[0m');
    expect(out[0]).toContain('\x1b[36m[root/db]\x1b[0m');
    expect(out[0]).toContain('\x1b[2m\n    Error: boom');
    const plain = capture();
    plain.logger.error('failed');
    expect(plain.lines[0]).not.toContain('\x1b[');
  });
});

describe('a pino logger', () => {
  it('is used as is by run() and the whole tree: its own JSON lines, its bindings, its serializer', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
    const logger = pino({ level: 'debug', base: { app: 'billing' } }, stream);
    let calls = 0;
    const flaky = createService({
      id: 'flaky',
      pause: 1,
      maxFailures: 0,
      iterate() {
        calls++;
        if (calls === 1) throw new Error('upstream down');
      },
    });
    const root = createSupervisor({ id: 'root', strategy: 'one-for-one', children: [flaky] });
    const handle = run(root, { exit: false, logger });
    await handle.ready;
    await new Promise<void>((resolve) => {
      const sub = handle.actor.on('child.restarted', () => {
        sub.unsubscribe();
        resolve();
      });
      if (calls > 1) resolve();
    });
    await handle.stop();
    const failed = lines.find((l) => l.msg === 'iteration failed');
    // pino's own fields and level numbers, our bindings, pino's error serializer.
    expect(failed).toMatchObject({ level: 50, app: 'billing', path: 'root/flaky', generation: 0 });
    expect(failed?.err).toMatchObject({ type: 'Error', message: 'upstream down' });
    expect(typeof (failed?.err as { stack?: unknown } | undefined)?.stack).toBe('string');
    expect(lines.find((l) => l.msg === 'running; press Ctrl+C to stop')).toMatchObject({
      level: 30,
      root: 'root',
    });
    expect(lines.find((l) => l.msg === 'child.restarted')).toMatchObject({ child: 'flaky' });
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsoleLogger, silentLogger } from '../src/index.ts';

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

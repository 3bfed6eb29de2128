import { describe, expect, it } from 'vitest';
import {
  createService,
  createSupervisor,
  SupervisorConfigError,
  type SupervisorOptions,
} from '../../src/index.ts';

const svc = (id: string, extra = {}) => createService({ id, iterate() {}, ...extra });

function errorOf(options: unknown): SupervisorConfigError {
  try {
    createSupervisor(options as SupervisorOptions);
  } catch (e) {
    return e as SupervisorConfigError;
  }
  throw new Error('expected createSupervisor to throw');
}

describe('createSupervisor options', () => {
  it('rejects a child id used twice, naming the id', () => {
    const e = errorOf({ id: 'root', children: [svc('db'), svc('db')] });
    expect(e).toBeInstanceOf(SupervisorConfigError);
    expect(e.name).toBe('SupervisorConfigError');
    expect(e.code).toBe('SUPERVISOR_DUPLICATE_CHILD');
    expect(e.message).toContain('"db"');
    expect(e.option).toBe('children[1].id');
  });

  it('rejects an unknown strategy, quoting it and the allowed ones', () => {
    const e = errorOf({ id: 'root', strategy: 'one-for-none' });
    expect(e.code).toBe('SUPERVISOR_CONFIG_INVALID');
    expect(e.message).toContain('`strategy`');
    expect(e.message).toContain('one-for-none');
    expect(e.message).toContain("'one-for-one'");
  });

  it('rejects an unknown option (a typo is an error, not a default)', () => {
    const e = errorOf({ id: 'root', maxRestart: 3 });
    expect(e.code).toBe('SUPERVISOR_CONFIG_UNKNOWN_OPTION');
    expect(e.message).toContain('`maxRestart`');
  });

  it.each([
    [{ maxRestarts: -1 }, 'maxRestarts'],
    [{ maxRestarts: 1.5 }, 'maxRestarts'],
    [{ restartWindow: Number.NaN }, 'restartWindow'],
    [{ backoff: { initial: 100 } }, 'backoff.max'],
    [{ backoff: { initial: 100, max: 50 } }, 'backoff.max'],
    [{ backoff: { initial: 1, max: 2, jitter: 2 } }, 'backoff.jitter'],
    [{ backoff: { initial: 1, max: 2, factor: 0.5 } }, 'backoff.factor'],
    [{ onReset: 'reset' }, 'onReset'],
    [{ children: [{}] }, 'children[0]'],
    [{ autoShutdown: 'sometimes' }, 'autoShutdown'],
    [{ id: 'a/b' }, 'id'],
  ])('rejects %j naming `%s`', (extra, option) => {
    const e = errorOf({ id: 'root', ...extra });
    expect(e).toBeInstanceOf(SupervisorConfigError);
    expect(e.option).toBe(option);
    expect(e.message).toContain(`\`${option}\``);
    expect(e.message).toMatch(/expected .+, got /);
  });

  it('rejects a significant child without autoShutdown, and a permanent significant child (OTP)', () => {
    expect(
      errorOf({ id: 'hub', children: [svc('w', { significant: true, restart: 'transient' })] })
        .option,
    ).toBe('children[0].significant');
    expect(
      errorOf({
        id: 'hub',
        autoShutdown: 'any-significant',
        children: [svc('w', { significant: true })],
      }).option,
    ).toBe('children[0].restart');
  });
});

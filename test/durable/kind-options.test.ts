/**
 * The options of the durable kinds, checked at creation like every other kind's: an unknown
 * name, a bad value or a bad time zone throws a `ServiceConfigError` naming the option, what
 * was received and what is expected, before any replica connects anywhere.
 */
import { describe, expect, it } from 'vitest';
import { ServiceConfigError } from '../../src/core/errors.ts';
import type { TickClaims } from '../../src/durable/cron-cluster.ts';
import { createClusterCronService } from '../../src/durable/cron-cluster.ts';
import type { SingletonLock } from '../../src/durable/lock.ts';
import { singleton } from '../../src/durable/singleton.ts';
import { createService } from '../../src/machines/service.ts';

// Never called: creation checks options only. Typed as the real interfaces, so a check of
// "is it a claims object / a lock" passes and the option under test is the one that fails.
const claims: TickClaims = {
  backend: 'postgres',
  claim: async () => true,
  last: async () => undefined,
  close: async () => undefined,
};
const lock = {
  backend: 'postgres',
  takeoverBound: 0,
  tryAcquire: async () => null,
  held: () => undefined,
  close: async () => undefined,
} as SingletonLock;

function thrown(fn: () => unknown): ServiceConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceConfigError);
    return e as ServiceConfigError;
  }
  throw new Error('expected a ServiceConfigError, nothing was thrown');
}

const cron = { id: 'report', cron: '0 * * * * *', claims, run() {} };

describe('createClusterCronService options', () => {
  it('refuses an unknown option, listing the ones it takes', () => {
    const e = thrown(() => createClusterCronService({ ...cron, catchup: 'all' } as never));
    expect(e.code).toBe('SERVICE_CONFIG_UNKNOWN_OPTION');
    expect(e.message).toContain('catchup');
    expect(e.message).toContain('catchUp');
  });

  it('refuses an unknown time zone at creation, not at the first fire time', () => {
    const e = thrown(() => createClusterCronService({ ...cron, timezone: 'Mars/Olympus' }));
    expect(e.code).toBe('SERVICE_CONFIG_INVALID');
    expect(e.message).toContain('timezone');
    expect(e.message).toContain('Mars/Olympus');
    expect(e.message).toContain('IANA time zone');
  });

  it('refuses a catch-up mode it does not know and a catch-up limit below 1', () => {
    expect(
      thrown(() => createClusterCronService({ ...cron, catchUp: 'some' as never })).message,
    ).toContain("'none', 'last' or 'all'");
    expect(thrown(() => createClusterCronService({ ...cron, catchUpLimit: 0 })).message).toContain(
      'an integer >= 1',
    );
  });

  it('refuses claims that are not tick claims, naming what to pass', () => {
    const e = thrown(() => createClusterCronService({ ...cron, claims: {} as never }));
    expect(e.message).toContain('postgresTickClaims');
  });
});

describe('singleton options', () => {
  const child = createService({ id: 'leader', iterate() {} });

  it('refuses an unknown option, listing the ones it takes', () => {
    const e = thrown(() => singleton(child, { lock, name: 'leader', retry: 10 } as never));
    expect(e.code).toBe('SERVICE_CONFIG_UNKNOWN_OPTION');
    expect(e.message).toContain('retryInterval');
  });

  it('refuses a lock name with characters a lock key cannot hold', () => {
    const e = thrown(() => singleton(child, { lock, name: 'bill ing' }));
    expect(e.message).toContain('[A-Za-z0-9_.:-]+');
  });

  it('refuses a child that is not a machine of ours', () => {
    const e = thrown(() => singleton({ id: 'x' }, { lock, name: 'x' }));
    expect(e.message).toContain('createService');
  });
});

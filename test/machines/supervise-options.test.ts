/**
 * Bad input to supervise(), and user machines in children and child.add.
 */

import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, setup } from 'xstate';
import {
  createService,
  createSupervisor,
  SupervisorConfigError,
  shutdown,
  supervise,
} from '../../src/index.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { nextReport, reach } from '../helpers/supervisor.ts';

const db = setup({}).createMachine({
  id: 'db',
  initial: 'up',
  states: { up: { tags: ['ready'] } },
});
const anonymous = setup({}).createMachine({ initial: 'up', states: { up: {} } });

function configError(fn: () => unknown): SupervisorConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SupervisorConfigError);
    return e as SupervisorConfigError;
  }
  throw new Error('expected a SupervisorConfigError');
}

describe('supervise() options', () => {
  it('refuses what is not actor logic, naming what it got', () => {
    const e = configError(() => supervise({ id: 'x' } as never, { id: 'x' }));
    expect(e).toMatchObject({ code: 'SUPERVISOR_CONFIG_INVALID', option: 'logic' });
    expect(e.message).toContain('XState v5 actor logic');
  });

  it('needs an id for a machine without one, and for other logic', () => {
    expect(configError(() => supervise(anonymous)).message).toContain('createMachine({ id: "db"');
    expect(configError(() => supervise(fromPromise(async () => 1))).option).toBe('id');
    expect(supervise(anonymous, { id: 'anon' }).id).toBe('anon');
  });

  it('refuses an unknown option, naming it, its value and the known ones', () => {
    const e = configError(() => supervise(db, { gracePeriode: 5 } as never));
    expect(e).toMatchObject({
      code: 'SUPERVISOR_CONFIG_UNKNOWN_OPTION',
      option: 'gracePeriode',
      received: 5,
    });
    expect(e.message).toContain('supervised actor "db"');
    expect(e.message).toContain('gracePeriod');
  });

  it.each([
    ['restart', { restart: 'sometimes' }],
    ['startTimeout', { startTimeout: -1 }],
    ['gracePeriod', { gracePeriod: Number.NaN }],
    ['stop', { stop: 'db.close' }],
    ['ready', { ready: 3 }],
    ['systemId', { systemId: '' }],
    ['significant', { significant: 'yes' }],
  ])('refuses a bad `%s`', (option, options) => {
    expect(configError(() => supervise(db, options as never)).option).toBe(option);
  });

  it('refuses a ready tag for logic that has no tags', () => {
    const e = configError(() =>
      supervise(
        fromPromise(async () => 1),
        { id: 'p', ready: 'ready' },
      ),
    );
    expect(e.option).toBe('ready');
    expect(e.message).toContain('predicate');
  });
});

describe('user machines in children and child.add', () => {
  it('takes a plain machine in children under its own id, and refuses one without an id', () => {
    expect(() => createSupervisor({ id: 'root', children: [db] })).not.toThrow();
    const e = configError(() => createSupervisor({ id: 'root', children: [anonymous] }));
    expect(e.option).toBe('children[0]');
    expect(e.message).toContain('supervise(machine, { id: "db" })');
  });

  it('refuses a duplicate id between a service and a machine', () => {
    const e = configError(() =>
      createSupervisor({ id: 'root', children: [createService({ id: 'db', iterate() {} }), db] }),
    );
    expect(e.code).toBe('SUPERVISOR_DUPLICATE_CHILD');
  });

  it('adds a machine with child.add and starts it', async () => {
    const actor = createActor(
      createSupervisor({ id: 'root', logger: createCapturingLogger() }),
    ).start();
    await reach(actor, 'running');
    const started = nextReport(actor, 'child.started');
    actor.send({ type: 'child.add', child: db });
    expect(await started).toMatchObject({ id: 'db' });
    expect(actor.system.get('db')).toBeDefined();
    await shutdown(actor);
  });
});

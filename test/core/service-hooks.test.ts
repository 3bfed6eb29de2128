import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHookCollection, HookError } from '../../src/core/hook-collection.ts';
import {
  createService,
  getTree,
  type ServiceConfigError,
  type ServiceContext,
} from '../../src/index.ts';
import { advance, settle, sleep } from '../helpers/async.ts';
import { launch } from '../helpers/service.ts';
import { startSupervisor } from '../helpers/supervisor.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Hook = (ctx: ServiceContext) => unknown;

/** A hook that writes `name` to `log`, then does what `then` says. */
function hook(log: string[], name: string, then?: 'throw' | 'veto' | number): Hook {
  const fn = async (ctx: ServiceContext) => {
    log.push(`${name}@${ctx.generation}`);
    if (typeof then === 'number') await sleep(then);
    if (then === 'throw') throw new Error(`${name} broke`);
    if (then === 'veto') return false;
    return undefined;
  };
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

describe('several onStart and onStop hooks', () => {
  it('runs the onStart hooks in order, each awaited, before the first iteration', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'ordered',
      pause: 1_000,
      onStart: [hook(log, 'openDb', 100), hook(log, 'warmCache')],
      iterate: (ctx) => {
        log.push(`iterate ${ctx.iteration}`);
      },
    });
    await advance(99);
    expect(log).toEqual(['openDb@0']);
    expect(svc.state()).toBe('starting');
    await advance(1);
    expect(log).toEqual(['openDb@0', 'warmCache@0', 'iterate 0']);
    expect(svc.state()).toBe('running');
    svc.actor.stop();
  });

  it('runs every onStop hook in order on stop, logs their errors as one HookError and completes the stop', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'finishes',
      pause: 100,
      iterate() {},
      onStop: [hook(log, 'flush', 'throw'), hook(log, 'close'), hook(log, 'report', 'throw')],
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(log).toEqual(['flush@0', 'close@0', 'report@0']);
    expect(svc.state()).toBe('stopped');
    const [entry] = svc.logger.find('onStop threw');
    expect(entry?.level).toBe('error');
    const error = entry?.fields.err as HookError;
    expect(error).toBeInstanceOf(HookError);
    expect(error.errors.map((f) => [f.hook, f.index, f.name, f.error.message])).toEqual([
      ['onStop', 0, 'flush', 'flush broke'],
      ['onStop', 2, 'report', 'report broke'],
    ]);
    expect(error.message).toContain('service "finishes"');
  });

  it('fails the start at the first onStart hook that throws: later ones do not run, the paired onStop hooks do', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'setup-fails',
      iterate: () => {
        log.push('iterate');
      },
      onStart: [hook(log, 'openDb'), hook(log, 'migrate', 'throw'), hook(log, 'listen')],
      onStop: [hook(log, 'closeDb'), hook(log, 'unmigrate'), hook(log, 'unlisten')],
    });
    await settle();
    expect(svc.state()).toBe('failed');
    // openDb succeeded, so closeDb (its pair) ran; nothing paired with migrate or listen did.
    expect(log).toEqual(['openDb@0', 'migrate@0', 'closeDb@0']);
    expect(svc.tree().lastError?.message).toBe(
      '1 hook of service "setup-fails" failed: onStart[1] migrate: migrate broke.',
    );
    const [entry] = svc.logger.find('onStart threw');
    const error = entry?.fields.err as HookError;
    expect(error.code).toBe('HOOK_FAILED');
    expect(error.cause).toBe(error.errors[0]?.error);
  });

  it('lists every failure in the start error: the onStart hook and the paired onStop hooks that failed too', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'everything-fails',
      iterate() {},
      onStart: [hook(log, 'a'), hook(log, 'b'), hook(log, 'c', 'throw')],
      onStop: [hook(log, 'undoA', 'throw'), hook(log, 'undoB')],
    });
    await settle();
    expect(svc.state()).toBe('failed');
    expect(log).toEqual(['a@0', 'b@0', 'c@0', 'undoA@0', 'undoB@0']);
    const error = svc.logger.find('onStart threw')[0]?.fields.err as HookError;
    expect(error.errors.map((f) => `${f.hook}[${f.index}] ${f.name}`)).toEqual([
      'onStart[2] c',
      'onStop[0] undoA',
    ]);
  });

  it('vetoes the start when an onStart hook returns false: later hooks skipped, earlier ones undone', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'vetoed',
      iterate: () => {
        log.push('iterate');
      },
      onStart: [hook(log, 'lock'), hook(log, 'check', 'veto'), hook(log, 'listen')],
      onStop: [hook(log, 'unlock'), hook(log, 'uncheck')],
    });
    await settle();
    expect(svc.state()).toBe('idle');
    expect(log).toEqual(['lock@0', 'check@0', 'unlock@0']);
    expect(svc.tree().generation).toBe(0); // a veto is no start: the generation is given back
  });

  it('logs the failures of the onStop hooks that undo a vetoed start', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'veto-undo-fails',
      iterate() {},
      onStart: [hook(log, 'lock'), hook(log, 'check', 'veto')],
      onStop: [hook(log, 'unlock', 'throw')],
    });
    await settle();
    expect(svc.state()).toBe('idle');
    const [entry] = svc.logger.find('before a veto failed');
    expect(entry?.level).toBe('error');
    expect((entry?.fields.err as HookError | undefined)?.errors[0]?.name).toBe('unlock');
  });

  it('runs an onStop hook that has no onStart at its position only after a full start', async () => {
    const log: string[] = [];
    const failing = launch({
      id: 'partial',
      iterate() {},
      onStart: [hook(log, 'open', 'throw')],
      onStop: [hook(log, 'close'), hook(log, 'goodbye')],
    });
    await settle();
    expect(failing.state()).toBe('failed');
    expect(log).toEqual(['open@0']);

    log.length = 0;
    const full = launch({
      id: 'full',
      pause: 100,
      iterate() {},
      onStart: hook(log, 'open'),
      onStop: [hook(log, 'close'), hook(log, 'goodbye')],
    });
    await settle();
    full.actor.send({ type: 'service.stop' });
    await settle();
    expect(log).toEqual(['open@0', 'close@0', 'goodbye@0']);
  });

  it('keeps a lone onStart as it is: its own error fails the start, and onStop is not run', async () => {
    const log: string[] = [];
    const svc = launch({
      id: 'lone',
      iterate() {},
      onStart: hook(log, 'open', 'throw'),
      onStop: [hook(log, 'close')],
    });
    await settle();
    expect(svc.state()).toBe('failed');
    expect(svc.tree().lastError?.message).toBe('open broke');
    expect(log).toEqual(['open@0']);
  });

  it('runs the hooks again for every generation, in pairs, under a supervisor restart', async () => {
    const log: string[] = [];
    const service = createService({
      id: 'worker',
      pause: 100,
      iterate() {},
      onStart: [hook(log, 'a'), hook(log, 'b')],
      onStop: [hook(log, 'undoA'), hook(log, 'undoB')],
    });
    const { actor } = startSupervisor({ id: 'root', children: [service] });
    await settle();
    actor.send({ type: 'child.restart', id: 'worker' });
    await settle();
    expect(log).toEqual(['a@0', 'b@0', 'undoA@0', 'undoB@0', 'a@1', 'b@1']);
    expect(getTree(actor).children?.[0]).toMatchObject({ state: 'running', generation: 1 });
    actor.stop();
  });

  it('reads a HookCollection at every start and stop: a hook added later is used from then on', async () => {
    const log: string[] = [];
    const setup = createHookCollection<[ServiceContext]>([hook(log, 'first')]);
    const finishes = createHookCollection<[ServiceContext]>();
    const svc = launch({ id: 'live', pause: 100, iterate() {}, onStart: setup, onStop: finishes });
    await settle();
    setup.add(hook(log, 'second'));
    finishes.add(hook(log, 'cleanup'));
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(log).toEqual(['first@0', 'cleanup@0', 'first@1', 'second@1']);
    svc.actor.stop();
  });

  it('copies an array at creation: changing it afterwards changes nothing', async () => {
    const log: string[] = [];
    const hooks = [hook(log, 'only')];
    const svc = launch({ id: 'copied', pause: 100, iterate() {}, onStart: hooks });
    hooks.push(hook(log, 'pushed later'));
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await settle();
    svc.actor.send({ type: 'service.start' });
    await settle();
    expect(log).toEqual(['only@0', 'only@1']);
    svc.actor.stop();
  });

  it('runs an empty list as no hook at all', async () => {
    const svc = launch({ id: 'empty', pause: 100, iterate() {}, onStart: [], onStop: [] });
    await settle();
    expect(svc.state()).toBe('running');
    svc.actor.send({ type: 'service.stop' });
    await settle();
    expect(svc.state()).toBe('stopped');
  });
});

describe('hook option validation', () => {
  function errorOf(options: unknown): ServiceConfigError {
    try {
      createService(options as Parameters<typeof createService>[0]);
    } catch (e) {
      return e as ServiceConfigError;
    }
    throw new Error('expected a ServiceConfigError');
  }

  it('names the index of an array element that is not a function', () => {
    const error = errorOf({ id: 'bad', iterate() {}, onStart: [() => {}, 'listen'] });
    expect(error.name).toBe('ServiceConfigError');
    expect(error.option).toBe('onStart[1]');
    expect(error.message).toContain('expected a function, got `"listen"` (string)');
  });

  it('rejects a hook option that is neither a function, an array nor a HookCollection', () => {
    const error = errorOf({ id: 'bad', iterate() {}, onStop: new Set([() => {}]) });
    expect(error.option).toBe('onStop');
    expect(error.expected).toBe('a function, an array of functions or a HookCollection');
  });
});

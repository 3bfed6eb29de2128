import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { getTree } from '../../src/actors/tree.ts';
import { ServiceConfigError } from '../../src/core/errors.ts';
import type { ServiceContext } from '../../src/core/service-options.ts';
import type { Fail } from '../../src/core/validate.ts';
import { defineKind, type KindParts } from '../../src/kinds/define-kind.ts';
import { advance, settle } from '../helpers/async.ts';
import { type CapturingLogger, createCapturingLogger } from '../helpers/capture-logger.ts';

let logger: CapturingLogger;
beforeEach(() => {
  vi.useFakeTimers();
  logger = createCapturingLogger();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A kind with one option of its own (`size`, an integer >= 1) and a recorded resource. */
interface LinkOptions {
  id: string;
  size?: number;
  logger?: CapturingLogger;
  maxFailures?: number;
  pause?: number;
  onStart?: (ctx: ServiceContext) => unknown;
  onStop?: (ctx: ServiceContext) => unknown;
}

function checkSize(options: LinkOptions, fail: Fail): number {
  const size = options.size ?? 1;
  if (!Number.isInteger(size) || size < 1) {
    fail({ option: 'size', received: size, expected: 'an integer >= 1' });
  }
  return size;
}

/** The kind under test: `parts` says what its generations do; `log` records the order. */
function linkKind(
  options: LinkOptions,
  parts: (log: string[]) => Omit<KindParts, 'shown'>,
  extra: {
    pacing?: boolean;
    hints?: Record<string, string>;
    common?: readonly ('id' | 'maxFailures')[];
  } = {},
) {
  const log: string[] = [];
  const machine = defineKind(options, {
    own: ['size'],
    ...extra,
    settings: checkSize,
    build: ({ settings }) => ({ ...parts(log), shown: { kind: 'link', size: settings } }),
  });
  return { machine, log };
}

const opening = (log: string[]) => ({
  open: () => void log.push('open'),
  close: () => void log.push('close'),
});

describe('defineKind: options checked once, from one table', () => {
  it("throws a ServiceConfigError naming the kind's own option, what it got and what it expected", () => {
    const error = (() => {
      try {
        linkKind({ id: 'link', size: 0 }, opening);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ServiceConfigError);
    expect(error).toMatchObject({
      code: 'SERVICE_CONFIG_INVALID',
      option: 'size',
      received: 0,
      expected: 'an integer >= 1',
      owner: 'link',
    });
  });

  it('checks the common options as createService does, after the kind’s own', () => {
    expect(() => linkKind({ id: 'link', maxFailures: -1 }, opening)).toThrow(
      expect.objectContaining({ code: 'SERVICE_CONFIG_INVALID', option: 'maxFailures' }),
    );
    // Both wrong: the kind's own option is named first.
    expect(() => linkKind({ id: 'link', size: 0, maxFailures: -1 }, opening)).toThrow(
      expect.objectContaining({ option: 'size' }),
    );
  });

  it('refuses a name outside the table, listing the common options then the kind’s own', () => {
    const options = { id: 'link', colour: 'red' } as LinkOptions;
    expect(() => linkKind(options, opening)).toThrow(
      expect.objectContaining({
        code: 'SERVICE_CONFIG_UNKNOWN_OPTION',
        option: 'colour',
        received: 'red',
        expected: expect.stringMatching(/^no such option; known options are id, .*, config, size$/),
      }),
    );
  });

  it('says what to do instead for a name the kind hints at', () => {
    const options = { id: 'link', iterate() {} } as LinkOptions;
    const hints = { iterate: 'no `iterate`: a link holds its connection' };
    expect(() => linkKind(options, opening, { hints })).toThrow(
      expect.objectContaining({ option: 'iterate', expected: hints.iterate }),
    );
  });

  it('takes the pacing options only when the kind says so', () => {
    expect(() => linkKind({ id: 'link', pause: 10 }, opening)).toThrow(
      expect.objectContaining({ code: 'SERVICE_CONFIG_UNKNOWN_OPTION', option: 'pause' }),
    );
    expect(() => linkKind({ id: 'link', pause: 10 }, opening, { pacing: true })).not.toThrow();
  });

  it('takes only the common options the kind names, and lists only those', () => {
    const common = ['id', 'maxFailures'] as const;
    const options = { id: 'link', onStart() {} } as LinkOptions;
    expect(() => linkKind(options, opening, { common })).toThrow(
      expect.objectContaining({
        code: 'SERVICE_CONFIG_UNKNOWN_OPTION',
        option: 'onStart',
        expected: 'no such option; known options are id, maxFailures, size',
      }),
    );
    expect(() => linkKind({ id: 'link', maxFailures: 2 }, opening, { common })).not.toThrow();
    expect(() => linkKind({ id: 'link', maxFailures: -1 }, opening, { common })).toThrow(
      expect.objectContaining({ code: 'SERVICE_CONFIG_INVALID', option: 'maxFailures' }),
    );
  });

  it('refuses options that are not an object', () => {
    expect(() => linkKind(null as unknown as LinkOptions, opening)).toThrow(
      expect.objectContaining({ code: 'SERVICE_CONFIG_INVALID', option: 'options' }),
    );
  });
});

describe('defineKind: the resource and the user’s hooks', () => {
  it('opens the resource before the first iteration and closes it after the last', async () => {
    const { machine, log } = linkKind(
      {
        id: 'link',
        logger,
        onStart: () => void log.push('onStart'),
        onStop: () => void log.push('onStop'),
      },
      (l) => ({
        ...opening(l),
        iterate: (ctx) => {
          l.push(`iterate ${ctx.iteration}`);
          if (ctx.iteration === 2) ctx.stop();
        },
      }),
    );
    const actor = createActor(machine).start();
    await advance(100);
    expect(getTree(actor).state).toBe('stopped');
    expect(log).toEqual([
      'onStart',
      'open',
      'iterate 0',
      'iterate 1',
      'iterate 2',
      'close',
      'onStop',
    ]);
  });

  it('runs the user’s onStop when the open fails after their onStart succeeded, and never closes', async () => {
    const { machine, log } = linkKind(
      {
        id: 'link',
        logger,
        onStart: () => void log.push('onStart'),
        onStop: () => void log.push('onStop'),
      },
      (l) => ({
        open: () => {
          l.push('open');
          throw new Error('refused');
        },
        close: () => void l.push('close'),
        iterate: () => void l.push('iterate'),
      }),
    );
    const actor = createActor(machine).start();
    await settle();
    expect(log).toEqual(['onStart', 'open', 'onStop']);
    expect(getTree(actor)).toMatchObject({
      state: 'failed',
      lastError: { message: 'refused' },
    });
  });

  it('opens nothing when the user’s onStart throws or vetoes', async () => {
    const throws = () => {
      throw new Error('no database');
    };
    for (const [onStart, state] of [
      [throws, 'failed'],
      [() => false, 'idle'],
    ] as const) {
      const { machine, log } = linkKind(
        { id: 'link', logger, onStart, onStop: () => void log.push('onStop') },
        (l) => ({ ...opening(l), iterate: () => void l.push('iterate') }),
      );
      const actor = createActor(machine).start();
      await settle();
      expect(log).toEqual([]);
      expect(getTree(actor).state).toBe(state);
    }
  });

  it('without iterate, holds the resource until the stop', async () => {
    const { machine, log } = linkKind({ id: 'link', logger }, opening);
    const actor = createActor(machine).start();
    await advance(60_000);
    expect(getTree(actor)).toMatchObject({ state: 'running', failures: 0 });
    expect(log).toEqual(['open']);
    actor.send({ type: 'service.stop' });
    await settle();
    expect(getTree(actor).state).toBe('stopped');
    expect(log).toEqual(['open', 'close']);
  });

  it('runs the user’s onStop even when the close throws, and the stop completes', async () => {
    const { machine, log } = linkKind(
      { id: 'link', logger, onStop: () => void log.push('onStop') },
      (l) => ({
        open: () => void l.push('open'),
        close: () => {
          l.push('close');
          throw new Error('close failed');
        },
      }),
    );
    const actor = createActor(machine).start();
    await settle();
    actor.send({ type: 'service.stop' });
    await settle();
    expect(log).toEqual(['open', 'close', 'onStop']);
    expect(getTree(actor).state).toBe('stopped');
    expect(logger.find('onStop threw; the stop completes anyway')).toHaveLength(1);
  });
});

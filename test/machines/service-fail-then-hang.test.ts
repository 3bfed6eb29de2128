import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SupervisorReport } from '../../src/index.ts';
import { advance, advanceInSteps, settle } from '../helpers/async.ts';
import { launch } from '../helpers/service.ts';
import { shutdownInSteps, startSupervisor, tracked } from '../helpers/supervisor.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const hang = () => new Promise<never>(() => {});

describe('a failure that crosses maxFailures inside an iteration that then hangs', () => {
  it('fails the service at once and kills the hanging iteration at gracePeriod', async () => {
    const onStop = vi.fn();
    const svc = launch({
      id: 'fail-then-hang',
      maxFailures: 0,
      gracePeriod: 100,
      onStop,
      async iterate(ctx) {
        ctx.fail(new Error('upstream down'));
        await hang();
      },
    });
    await settle();
    // Not running any more: the failure ended the generation, the stop waits for the hang.
    expect(svc.state()).toBe('stopping');
    await advance(99);
    expect(svc.state()).toBe('stopping');
    await advance(1);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 1 });
    expect(svc.tree().lastError?.message).toBe('upstream down');
    expect(onStop).toHaveBeenCalledOnce();
    expect(svc.logger.find('generation killed')).toHaveLength(1);
  });

  it('does not wait for a slow iteration to end before failing', async () => {
    const svc = launch({
      id: 'fail-then-slow',
      maxFailures: 0,
      gracePeriod: 60_000,
      async iterate(ctx) {
        ctx.fail(new Error('bad batch'));
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      },
    });
    await settle();
    expect(svc.state()).toBe('stopping');
    // The iteration ends on its own at 1 s, well within the grace period: no kill.
    await advance(1_000);
    expect(svc.tree()).toMatchObject({ state: 'failed', failures: 1 });
    expect(svc.logger.find('generation killed')).toHaveLength(0);
  });

  it('is reported as killed then failed, and restarted, under a supervisor', async () => {
    const timeline: string[] = [];
    let hung = 0;
    const { actor, reports } = startSupervisor(
      {
        id: 'root',
        strategy: 'one-for-one',
        children: [
          tracked(timeline, {
            id: 'flaky',
            maxFailures: 0,
            gracePeriod: 100,
            async iterate(ctx) {
              if (ctx.generation > 0) return;
              hung++;
              ctx.fail(new Error('upstream down'));
              await hang();
            },
          }),
        ],
      },
      timeline,
    );
    await advanceInSteps(200);
    expect(hung).toBe(1);
    const types = reports.map((r: SupervisorReport) => `${r.type} ${r.generation}`);
    expect(types).toEqual([
      'child.started 0',
      'child.killed 0',
      'child.failed 0',
      'child.restarted 1',
    ]);
    expect(timeline).toContain('onStop flaky@0');
    await shutdownInSteps(actor, 100, 10);
  });

  it('keeps the failure that crosses maxFailures while a hard reset waits for the iteration', async () => {
    const { actor, reports } = startSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      children: [
        tracked([], {
          id: 'flaky',
          maxFailures: 0,
          gracePeriod: 100,
          async iterate(ctx) {
            if (ctx.generation > 0) return;
            await new Promise((resolve) => setTimeout(resolve, 50));
            ctx.fail(new Error('upstream down'));
            await hang();
          },
        }),
      ],
    });
    await settle();
    actor.send({ type: 'child.hard-reset', id: 'flaky' });
    await advanceInSteps(200);
    const types = reports.map((r) => `${r.type} ${r.generation}`);
    expect(types).toEqual([
      'child.started 0',
      'child.killed 0',
      'child.failed 0',
      'child.restarted 1',
    ]);
    expect(reports.find((r) => r.type === 'child.failed')?.reason).toMatchObject({
      message: 'upstream down',
    });
    await shutdownInSteps(actor, 100, 10);
  });
});

describe('a grace period longer than a timer can hold', () => {
  it('is honoured: gracePeriod 2^31 does not kill the generation after a few ms', async () => {
    const svc = launch({
      id: 'patient',
      gracePeriod: 2 ** 31,
      async iterate() {
        await hang();
      },
    });
    await settle();
    svc.actor.send({ type: 'service.stop' });
    await advance(2 ** 31 - 1);
    expect(svc.state()).toBe('stopping');
    expect(svc.logger.find('generation killed')).toHaveLength(0);
    await advance(1);
    expect(svc.state()).toBe('stopped');
    expect(svc.logger.find('generation killed')).toHaveLength(1);
  });
});

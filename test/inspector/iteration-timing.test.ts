/**
 * The inspector's iteration timing: its hook is in the loops' telemetry slot only while a page
 * is open (observing), chains to a hook already there, and gives each service a rate, a mean
 * and a p99 that the slower service tops.
 */
import { describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { createService, createSupervisor, silentLogger } from '../../src/index.ts';
import { InspectorModel } from '../../src/inspector/model.ts';
import type { InspectorNode } from '../../src/inspector/protocol.ts';
import { type TelemetryHooks, telemetryHooks } from '../../src/internal/telemetry-hooks.ts';
import { reach } from '../helpers/supervisor.ts';

describe('inspector iteration timing', () => {
  it('times iterations only while observing, and chains to the hook already in the slot', async () => {
    const calls: string[] = [];
    const before: TelemetryHooks = {
      iteration(_owner, ctx, iterate) {
        calls.push(ctx.id);
        return iterate(ctx);
      },
      job: (_owner, ctx, handle, task) => handle(task, ctx),
    };
    const actor = createActor(
      createSupervisor({
        id: 'root',
        strategy: 'one-for-one',
        logger: silentLogger,
        children: [
          createService({ id: 'quick', minPeriod: 5, iterate() {} }),
          createService({
            id: 'sleepy',
            async iterate() {
              await new Promise((resolve) => setTimeout(resolve, 15));
            },
          }),
        ],
      }),
    ).start();
    const model = new InspectorModel(actor);
    telemetryHooks.current = before;
    try {
      await reach(actor, 'running');
      expect(telemetryHooks.current).toBe(before);
      model.setObserving(true);
      expect(telemetryHooks.current).not.toBe(before);
      const nodes = new Map<string, InspectorNode>();
      for (const n of model.snapshot('t', { enabled: false, tokenRequired: false }).nodes)
        nodes.set(n.key, n);
      await vi.waitFor(
        () => {
          model.touchAll();
          for (const u of model.delta()?.upserts ?? [])
            nodes.set(u.key, { ...nodes.get(u.key), ...u } as InspectorNode);
          const byId = (id: string) => [...nodes.values()].find((n) => n.id === id);
          expect(byId('quick')?.meanMs).toEqual(expect.any(Number));
          expect(byId('sleepy')?.p99Ms).toEqual(expect.any(Number));
          expect(byId('quick')?.rate).toBeGreaterThan(0);
          expect(byId('sleepy')!.meanMs!).toBeGreaterThan(byId('quick')!.meanMs!);
        },
        { timeout: 10_000, interval: 50 },
      );
      // The hook that was there still ran: spans are not lost.
      expect(calls).toContain('quick');
      model.setObserving(false);
      expect(telemetryHooks.current).toBe(before);
    } finally {
      model.dispose();
      telemetryHooks.current = undefined;
      actor.stop();
    }
  });
});

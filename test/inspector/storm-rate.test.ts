/**
 * A steady stream of events pauses inspection as a burst does: more than STORM_RATE inspection
 * events within one second, even spread over batches each under the burst limit, is a storm.
 * `Date` is frozen, so "within one second" holds however slow the machine is.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { InspectorModel, STORM_EVENTS, STORM_RATE } from '../../src/inspector/model.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('inspector storm by rate', () => {
  it('pauses the recent events once more than STORM_RATE arrive within a second', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const actor = createActor(
      createMachine({ id: 'counter', initial: 'on', states: { on: { on: { tick: {} } } } }),
    ).start();
    const model = new InspectorModel(actor);
    try {
      model.setObserving(true);
      // Each batch stays under the burst limit (an event is a few inspection events).
      const perBatch = Math.floor(STORM_EVENTS / 4);
      let batches = 0;
      while (!model.eventsPaused && batches < 100) {
        for (let i = 0; i < perBatch; i++) actor.send({ type: 'tick' });
        model.delta();
        batches++;
      }
      expect(model.eventsPaused).toBe(true);
      // Not before the rate was passed: at least STORM_RATE events' worth of batches ran.
      expect(batches * perBatch).toBeGreaterThanOrEqual(STORM_RATE / 4);
      expect(batches).toBeGreaterThan(1);
    } finally {
      model.dispose();
      actor.stop();
    }
  });
});

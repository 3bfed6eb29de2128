/**
 * Every XState-private field this package relies on, one test each, named after the symbol:
 * an XState upgrade that renames or removes one fails here, saying which.
 */
import { describe, expect, it } from 'vitest';
import { createActor, createMachine, SimulatedClock, setup } from 'xstate';
import {
  clockOf,
  createChildActor,
  emitFrom,
  isActorNotStarted,
  isActorStopped,
  nextTransitionsOf,
  parentOf,
  stopActor,
} from '../../src/internal/xstate.ts';

const idle = createMachine({ id: 'idle', initial: 'a', states: { a: {} } });

describe('XState-private calls (src/internal/xstate.ts)', () => {
  it('actor._processingStatus: 0 before start, 1 running, 2 stopped (isActorNotStarted, isActorStopped)', () => {
    const actor = createActor(idle);
    expect((actor as unknown as { _processingStatus: unknown })._processingStatus).toBe(0);
    expect(isActorNotStarted(actor)).toBe(true);
    actor.start();
    expect((actor as unknown as { _processingStatus: unknown })._processingStatus).toBe(1);
    expect(isActorNotStarted(actor)).toBe(false);
    expect(isActorStopped(actor)).toBe(false);
    actor.stop();
    expect((actor as unknown as { _processingStatus: unknown })._processingStatus).toBe(2);
    expect(isActorStopped(actor)).toBe(true);
  });

  it('actor._stop(): stops a child actor that the public stop() refuses (stopActor)', () => {
    const parent = createActor(idle).start();
    const child = createChildActor(idle, parent, 'child', undefined);
    child.start();
    expect(typeof (child as unknown as { _stop: unknown })._stop).toBe('function');
    stopActor(child);
    expect(isActorStopped(child)).toBe(true);
    parent.stop();
  });

  it('actor._parent: a child created with { parent } knows it (parentOf)', () => {
    const parent = createActor(idle).start();
    const child = createChildActor(idle, parent, 'child', undefined);
    expect((child as unknown as { _parent: unknown })._parent).toBe(parent);
    expect(parentOf(child)).toBe(parent);
    expect(parentOf(parent)).toBeUndefined();
    parent.stop();
  });

  it('actor._actorScope.emit: emits to actor.on() listeners from outside a transition (emitFrom)', () => {
    const emitter = setup({ types: { emitted: {} as { type: 'ping'; n: number } } }).createMachine({
      id: 'emitter',
    });
    const actor = createActor(emitter).start();
    expect(typeof (actor as unknown as { _actorScope: { emit: unknown } })._actorScope.emit).toBe(
      'function',
    );
    const heard: number[] = [];
    actor.on('ping', (e) => void heard.push(e.n));
    emitFrom(actor, { type: 'ping', n: 7 });
    expect(heard).toEqual([7]);
    actor.stop();
  });

  it('actor.system._clock: the clock given to createActor reaches every actor of the system (clockOf)', () => {
    const clock = new SimulatedClock();
    const actor = createActor(idle, { clock }).start();
    expect((actor.system as unknown as { _clock: unknown })._clock).toBe(clock);
    clock.set(1_234);
    expect(clockOf(actor).now()).toBe(1_234);
    let fired = false;
    clockOf(actor).setTimeout(() => {
      fired = true;
    }, 10);
    clock.increment(10);
    expect(fired).toBe(true);
    actor.stop();
  });

  it('getNextTransitions(snapshot): the transitions out of the active states, guards not run (nextTransitionsOf)', () => {
    const machine = setup({ guards: { never: () => false } }).createMachine({
      id: 'm',
      initial: 'a',
      on: { top: '.b' },
      states: { a: { on: { go: { guard: 'never', target: 'b' } } }, b: {} },
    });
    const actor = createActor(machine).start();
    expect(nextTransitionsOf(actor.getSnapshot())).toEqual([
      { eventType: 'go', guard: 'never' },
      { eventType: 'top', guard: undefined },
    ]);
    expect(nextTransitionsOf({ status: 'active' })).toEqual([]);
    actor.stop();
  });
});

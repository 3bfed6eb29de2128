/**
 * What a run does to the process while it lasts: it listens for the signals that stop it, and
 * keeps the process alive (a tree of idle workers waits on promises, which hold no process open).
 */
import { fromCallback } from '../internal/xstate.ts';
import type { RunEvent } from './run-events.ts';

/**
 * Installs a handler for each of `signals` and turns each signal into a `run.signal` event;
 * removes them when the run ends.
 * @internal
 */
export const listenForSignals = fromCallback<RunEvent, { signals: readonly NodeJS.Signals[] }>(
  ({ input: { signals }, sendBack }) => {
    const onSignal = (signal: NodeJS.Signals) => sendBack({ type: 'run.signal', signal });
    for (const s of signals) process.on(s, onSignal);
    return () => {
      for (const s of signals) process.off(s, onSignal);
    };
  },
);

/**
 * Holds the process open until the run ends: one ref'd interval that never fires in practice.
 * @internal
 */
export const keepProcessAlive = fromCallback<RunEvent>(() => {
  const timer = setInterval(() => {}, 2 ** 31 - 1);
  return () => clearInterval(timer);
});

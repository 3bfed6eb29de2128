/**
 * The services app.yaml names: `clock`, a machine (runs once), and `poller`, a factory the
 * launcher calls once per replica with the id to use. In a project of your own, import from
 * 'xstate-supervisor'.
 */
import { createService } from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

export const clock = createService({
  id: 'clock',
  pause: 60_000,
  onStart: () => say('clock: started'),
  onStop: () => say('clock: stopped'),
  iterate() {},
});

export const poller = (id: string, index: number) =>
  createService({
    id,
    pause: 60_000,
    onStart: () => say(`${id}: started, polling shard ${index}`),
    onStop: () => say(`${id}: stopped`),
    iterate() {},
  });

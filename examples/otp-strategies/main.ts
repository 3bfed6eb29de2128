/**
 * OTP restart strategies side by side: the same three children `db`, `cache` and `api`
 * (declared in that order), the same failure of `cache`, under `one-for-one` and then under
 * `rest-for-one`. Every report the supervisor emits is printed, then the generations.
 *
 * - one-for-one: only `cache` is restarted.
 * - rest-for-one: `api` (declared after `cache`) is stopped too, and both start again in
 *   order; `db` (declared before) is left alone.
 *
 * Run: node --import tsx examples/otp-strategies/main.ts
 */
import { createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  type Strategy,
  type SupervisorReport,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

const worker = (id: string, failsOnce = false) =>
  createService({
    id,
    minPeriod: 10,
    maxFailures: 0, // the first failure fails the service
    iterate(ctx) {
      if (failsOnce && ctx.generation === 0 && ctx.iteration === 2) {
        throw new Error(`${id} lost its connection`);
      }
    },
  });

/** Runs one supervisor until the failure has been handled; returns the children's generations. */
async function demo(strategy: Strategy, lastRestarted: string): Promise<Record<string, number>> {
  say(`--- ${strategy} ---`);
  const actor = createActor(
    createSupervisor({
      id: strategy,
      strategy,
      logger: silentLogger,
      children: [worker('db'), worker('cache', true), worker('api')],
    }),
  );
  actor.on('*', (event) => {
    const r = event as unknown as SupervisorReport;
    const reason = r.reason instanceof Error ? r.reason.message : r.reason;
    say(
      `  [${r.type}] ${r.path.join('/')} generation ${r.generation}` +
        `${reason ? ` (${reason})` : ''}, restarts in window ${r.restarts}`,
    );
  });
  const done = new Promise<void>((resolve) => {
    actor.on('child.restarted', (r) => {
      if (r.id === lastRestarted) resolve();
    });
  });
  actor.start();
  await done;
  const generations = Object.fromEntries(
    (getTree(actor).children ?? []).map((c) => [c.id, c.generation]),
  );
  await shutdown(actor);
  return generations;
}

const oneForOne = await demo('one-for-one', 'cache');
const restForOne = await demo('rest-for-one', 'api');

say('--- generations after the failure of "cache" ---');
say('child   one-for-one   rest-for-one');
for (const id of ['db', 'cache', 'api']) {
  say(`${id.padEnd(8)}${String(oneForOne[id]).padEnd(14)}${restForOne[id]}`);
}

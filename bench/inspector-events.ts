/**
 * The inspector's cost on the event rate, with a page open against none (issue 18's rule:
 * >= 0.8x): the iterations per second of 50 busy services, each iteration a small piece of
 * work (a JSON round trip of a 10-field object; the inspector times the iterations that start
 * in a 20 ms window each second), and the events per second a supervised XState machine takes
 * (each is an inspection event while a page is open, up to the storm limit). The page is the same ws
 * client in a child process as bench/inspector.ts's, which parses and applies every message.
 * Variants run back to back in each round, in a rotating order; the ratio is the median of
 * the per-round ratios.
 */
import { type AnyActorRef, createActor, setup } from 'xstate';
import {
  createInspectorServer,
  createService,
  createSupervisor,
  type InspectorServer,
  shutdown,
  silentLogger,
  supervise,
} from '../src/index.ts';
import {
  type Bench,
  fmtInt,
  fmtRatio,
  gc,
  type Headline,
  machineLine,
  median,
  printTable,
  runIfMain,
  sleep,
} from './harness.ts';
import { connectPage, type Page } from './inspector.ts';

const SERVICES = 50;
const PAYLOAD = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`field${i}`, i * 1.5]));
const WINDOW_MS = 2_000;
const ROUNDS = 5;
const TARGET = 0.8;

type Variant = 'none' | 'page';
const VARIANTS: readonly Variant[] = ['none', 'page'];

interface Rates {
  readonly iterations: number;
  readonly events: number;
}

const counter = setup({}).createMachine({
  id: 'counter',
  initial: 'on',
  states: { on: { tags: ['ready'], on: { tick: { target: 'on', reenter: false } } } },
});

/** One measurement: a fresh tree, the variant's page, the rates over {@link WINDOW_MS}. */
async function measure(variant: Variant): Promise<Rates> {
  let iterations = 0;
  const services = Array.from({ length: SERVICES }, (_, i) =>
    createService({
      id: `busy${i}`,
      iterate() {
        JSON.parse(JSON.stringify(PAYLOAD));
        iterations++;
      },
    }),
  );
  const actor: AnyActorRef = createActor(
    createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      logger: silentLogger,
      children: [...services, supervise(counter, { ready: 'ready' })],
    }),
  ).start();
  let server: InspectorServer | undefined;
  let page: Page | undefined;
  try {
    if (variant === 'page') {
      server = await createInspectorServer(actor, { logger: silentLogger });
      page = await connectPage(server.url, 60_000);
    }
    await sleep(300);
    gc();
    // Events: sent in bursts of 200, one burst per turn, so the loops keep running too.
    let events = 0;
    let sending = true;
    const send = () => {
      if (!sending) return;
      for (let i = 0; i < 200; i++)
        actor.send({ type: 'child.send', id: 'counter', event: { type: 'tick' } });
      events += 200;
      setImmediate(send);
    };
    const startIterations = iterations;
    const started = performance.now();
    send();
    await sleep(WINDOW_MS);
    sending = false;
    const seconds = (performance.now() - started) / 1_000;
    return { iterations: (iterations - startIterations) / seconds, events: events / seconds };
  } finally {
    await page?.close();
    await server?.close();
    await shutdown(actor);
  }
}

export const bench: Bench = {
  name: 'inspector-events',
  title: 'Event rate with an inspector page open vs none',
  async run(): Promise<Headline[]> {
    console.log(machineLine());
    console.log(
      `${SERVICES} busy services (each iteration a JSON round trip of a 10-field object) and one supervised machine taking events in bursts of 200 per turn; ${fmtInt(WINDOW_MS)} ms per measurement, ${ROUNDS} rounds after a warm-up.\n`,
    );
    await measure('none');
    await measure('page');
    const got: Record<Variant, Rates[]> = { none: [], page: [] };
    const ratios = { iterations: [] as number[], events: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      const r = {} as Record<Variant, Rates>;
      for (const v of order) r[v] = await measure(v);
      for (const v of VARIANTS) got[v].push(r[v]);
      ratios.iterations.push(r.page.iterations / r.none.iterations);
      ratios.events.push(r.page.events / r.none.events);
      console.log(
        `  round ${round + 1}: iterations/s none ${fmtInt(r.none.iterations)}, page ${fmtInt(r.page.iterations)}; events/s none ${fmtInt(r.none.events)}, page ${fmtInt(r.page.events)}`,
      );
    }
    const rows = (['iterations', 'events'] as const).map((k) => [
      k === 'iterations' ? `iterations/s (${SERVICES} services)` : 'events/s (one machine)',
      fmtInt(median(got.none.map((r) => r[k]))),
      fmtInt(median(got.page.map((r) => r[k]))),
      fmtRatio(median(ratios[k]), 1),
    ]);
    console.log('');
    printTable(['rate', 'no page', 'page open', 'page vs none'], rows, 'lrrr');
    return (['iterations', 'events'] as const).map((k) => {
      const ratio = median(ratios[k]);
      return {
        metric: `${k}/s, inspector page open vs none`,
        value: fmtRatio(ratio, 1),
        target: `>= ${TARGET}x`,
        met: ratio >= TARGET,
      };
    });
  },
};

runIfMain(import.meta, bench);

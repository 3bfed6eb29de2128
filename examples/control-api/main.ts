/**
 * The control API end to end: a tree run with `run(root, { control })`, a service action
 * called with `perform()`, a restart over HTTP, the tree read back, and a shutdown request
 * that ends the run (exit code 0, reason 'request').
 *
 * Run: node --import tsx examples/control-api/main.ts
 */
import { randomBytes } from 'node:crypto';
import {
  ActionError,
  controlRequest,
  createService,
  createSupervisor,
  PerformError,
  perform,
  run,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const token = randomBytes(16).toString('hex');

let hits = 0;
const counter = createService({
  id: 'counter',
  minPeriod: 100,
  iterate() {
    hits++;
  },
  actions: {
    // Actions belong to their service: this one reads its own state.
    read: (_data, ctx) => ({ hits, generation: ctx.generation }),
    add(data) {
      const by = (data as { by?: unknown } | null)?.by;
      if (typeof by !== 'number') throw new ActionError(400, 'BAD_INPUT', '`by` must be a number.');
      hits += by;
      return { hits };
    },
  },
});

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  children: [createSupervisor({ id: 'jobs', children: [counter] })],
});

const handle = run(root, { logger: silentLogger, exit: false, control: { port: 0, token } });
const { control } = await handle.ready;
const url = control!.url;
say(`control API on ${url} (token required)`);

say(
  `perform jobs/counter add {by: 41} -> ${JSON.stringify(await perform(url, 'jobs/counter', 'add', { by: 41 }, { token }))}`,
);
try {
  await perform(url, 'jobs/counter', 'add', { by: 'many' }, { token });
} catch (e) {
  if (e instanceof PerformError)
    say(`perform with bad input -> ${e.status} ${e.code}: ${e.message}`);
}
const restarted = await controlRequest(url, 'POST', '/services/jobs/counter/restart', { token });
say(
  `POST /services/jobs/counter/restart -> ${restarted.status} generation ${(restarted.body as { generation: number }).generation}`,
);
say(
  `perform jobs/counter read -> ${JSON.stringify(await perform(url, 'jobs/counter', 'read', null, { token }))}`,
);
const unauthorised = await controlRequest(url, 'GET', '/tree');
say(`GET /tree without the token -> ${unauthorised.status}`);
const ready = await controlRequest(url, 'GET', '/readyz');
say(`GET /readyz (open) -> ${ready.status} ${JSON.stringify(ready.body)}`);

const shutdown = await controlRequest(url, 'POST', '/shutdown', { token });
say(`POST /shutdown -> ${shutdown.status}`);
const result = await handle.done;
say(`run ended: exit code ${result.exitCode}, reason ${result.reason}`);

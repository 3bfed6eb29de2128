/**
 * Your own XState machines, kept alive OTP-style: a connection machine that throws in an
 * action is restarted as a fresh actor (statelyai/xstate #5088), `system.get('db')` always
 * returns the live generation, a promise job ends normally, and a graceful stop sends the
 * machine's own close event.
 */
import { assign, createActor, fromPromise, setup, waitFor } from 'xstate';
import { createSupervisor, getTree, shutdown, silentLogger, supervise } from '../../src/index.ts';

/** connecting → connected (tag `ready`) → closing → closed; `db.query` on bad SQL throws. */
const connection = setup({
  types: {
    context: {} as { queries: number },
    events: {} as { type: 'db.query'; sql: string } | { type: 'db.close' },
    input: {} as { url: string },
  },
  actors: {
    connect: fromPromise(async () => 'connected'),
    disconnect: fromPromise(async () => 'closed'),
  },
  actions: {
    runQuery: assign({
      queries: ({ context, event }) => {
        if (event.type === 'db.query' && event.sql.includes('DROP'))
          throw new Error(`refused: ${event.sql}`);
        return context.queries + 1;
      },
    }),
  },
}).createMachine({
  id: 'db',
  context: { queries: 0 },
  initial: 'connecting',
  states: {
    connecting: { invoke: { src: 'connect', onDone: 'connected' } },
    connected: {
      tags: ['ready'],
      on: { 'db.query': { actions: 'runQuery' }, 'db.close': 'closing' },
    },
    closing: { invoke: { src: 'disconnect', onDone: 'closed' } },
    closed: { type: 'final' },
  },
});

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  logger: silentLogger,
  children: [
    supervise(connection, {
      input: { url: 'postgres://primary' },
      ready: 'ready',
      stop: { type: 'db.close' },
    }),
    supervise(
      fromPromise(async () => 'migrated'),
      { id: 'migrate', restart: 'transient' },
    ),
  ],
});

const actor = createActor(root);
actor.on('*', (r) => {
  const report = r as { type: string; id: string; generation: number; reason?: unknown };
  const why = report.reason instanceof Error ? report.reason.message : report.reason;
  console.log(
    `[${report.type}] ${report.id} generation ${report.generation}${why === undefined ? '' : ` (${String(why)})`}`,
  );
});
actor.start();

const running = (id: string) =>
  new Promise<void>((resolve) => {
    const check = () => getTree(actor).children?.find((c) => c.id === id)?.state === 'running';
    if (check()) return resolve();
    const sub = actor.on('child.restarted', () => {
      if (check()) {
        sub.unsubscribe();
        resolve();
      }
    });
  });

// Commands are taken once the supervisor runs (every child started).
await waitFor(actor, (s) => s.matches('running'));
const first = actor.system.get('db');
actor.send({ type: 'child.send', id: 'db', event: { type: 'db.query', sql: 'SELECT 1' } });
console.log(
  `db is ${JSON.stringify(getTree(actor).children?.[0]?.value)}, queries ${first.getSnapshot().context.queries}`,
);

actor.send({ type: 'child.send', id: 'db', event: { type: 'db.query', sql: 'DROP TABLE users' } });
await running('db');
const second = actor.system.get('db');
console.log(
  `system.get('db') is a new actor: ${second !== first}, generation ${getTree(actor).children?.[0]?.generation}`,
);

await shutdown(actor);
const db = getTree(actor).children?.[0];
console.log(`after shutdown: db ${db?.state} in ${JSON.stringify(db?.value)}`);

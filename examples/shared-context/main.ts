/**
 * Services sharing values through `ctx.context`: `api` awaits the pool `db` sets, whatever
 * their order; a restart of `db` clears its pool and `api` waits for the next one; a key no
 * one sets, and an onStart awaiting a later sibling, fail with clear codes.
 *
 * Run: node --import tsx examples/shared-context/main.ts
 */
import { createActor, waitFor } from 'xstate';
import {
  createContextKey,
  createService,
  createSupervisor,
  getTree,
  SharedContextError,
  sharedContextOf,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

/** A stand-in for a database pool: it knows its generation and whether it was closed. */
class Pool {
  closed = false;
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  query(sql: string): string {
    if (this.closed) throw new Error(`${this.name} is closed`);
    return `${this.name}: ${sql}`;
  }
}

const DB = createContextKey<Pool>('db');

let pool: Pool | undefined;
const db = createService({
  id: 'db',
  pause: 60_000,
  onStart(ctx) {
    pool = new Pool(`pool@${ctx.generation}`);
    ctx.context.set(DB, pool);
    say(`db: set ${pool.name}`);
  },
  onStop() {
    if (pool) pool.closed = true;
    say(`db: closed ${pool?.name}`);
  },
  iterate() {},
});

let answered: (line: string) => void = () => {};
const api = createService({
  id: 'api',
  pause: 20,
  async iterate(ctx) {
    const db = await ctx.context.get(DB); // a Pool, typed by the key
    try {
      answered(db.query('select 1'));
    } catch (error) {
      say(`api: ${(error as Error).message}`); // never printed: a stopping db's pool is cleared
      throw error;
    }
  },
});

/** The next answer api gives. */
const nextAnswer = () =>
  new Promise<string>((resolve) => {
    answered = (line) => {
      answered = () => {};
      resolve(line);
    };
  });

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  children: [api, db], // api first: it waits for db all the same
  logger: silentLogger,
});
const actor = createActor(root);
const first = nextAnswer();
actor.start();
say(`api: ${await first}`);
await waitFor(actor, () => getTree(actor).state === 'running');

// db restarts: its pool is cleared as it stops, so api waits for pool@1, never uses pool@0.
const stopped = new Promise<void>((resolve) => {
  const sub = actor.on('child.restarted', () => {
    sub.unsubscribe();
    resolve();
  });
});
actor.send({ type: 'child.restart', id: 'db' });
await stopped;
let after = await nextAnswer();
while (!after.startsWith('pool@1')) after = await nextAnswer();
say(`api after the restart: ${after}`);

// A key no service sets: the tree runs, so the answer is at once.
try {
  await sharedContextOf(actor).get('cache');
} catch (e) {
  if (e instanceof SharedContextError) say(`get('cache'): ${e.code}`);
}

await shutdown(actor);
say(`tree: ${getTree(actor).state}`);

// An onStart awaiting a key a later sibling sets cannot wait: children start one by one.
const eager = createService({
  id: 'eager',
  restart: 'temporary',
  async onStart(ctx) {
    await ctx.context.get(DB);
  },
  iterate() {},
});
const second = createActor(
  createSupervisor({ id: 'second', children: [eager, db], logger: silentLogger }),
);
const failure = new Promise<unknown>((resolve) => {
  second.on('child.failed', (r) => resolve(r.reason));
});
second.start();
const reason = await failure;
if (reason instanceof SharedContextError) say(`eager's start: ${reason.code}`);
await shutdown(second);
say('done');

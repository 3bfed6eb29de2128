/**
 * Required configuration (aiomisc's `__required__`) and several start/stop hooks (GCL's
 * `add_setup` / `add_finishes`).
 *
 * 1. A service declared with a wrong environment: `createService` throws ONE
 *    `ServiceConfigError` naming every missing or invalid key.
 * 2. The same service with a good environment (DEMO_HOST, DEMO_PORT, DEMO_DEBUG, with
 *    defaults here): `ctx.config` holds the coerced, typed values; its `onStart` hooks run in
 *    order, its `onStop` hooks on stop.
 * 3. A service whose second `onStart` hook throws: the third does not run, the `onStop` hook
 *    paired with the first one runs at once, and the start fails with a `HookError`.
 *
 * Run: node --import tsx examples/config/main.ts
 * Try: DEMO_PORT=http node --import tsx examples/config/main.ts   (exits 1, naming DEMO_PORT)
 */
import { createActor, waitFor } from 'xstate';
import {
  createHookCollection,
  createService,
  getTree,
  ServiceConfigError,
  type ServiceContext,
  shutdown,
  silentLogger,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

// 1. A wrong environment: every problem in one error.
const badEnv = { DEMO_HOST: '', DEMO_PORT: '80800', DEMO_DEBUG: 'maybe' };
try {
  createService({
    id: 'api',
    config: {
      values: badEnv,
      required: { DEMO_HOST: 'string', DEMO_PORT: 'port' },
      optional: { DEMO_DEBUG: 'boolean' },
    },
    iterate() {},
  });
} catch (e) {
  if (!(e instanceof ServiceConfigError)) throw e;
  say(`1. ${e.name} (${e.code}) on ${e.option}:`);
  say(`   ${e.message}`);
}

// 2. A good environment (the defaults stand in for a real one).
const env = {
  DEMO_HOST: process.env.DEMO_HOST ?? '127.0.0.1',
  DEMO_PORT: process.env.DEMO_PORT ?? '8080',
  DEMO_DEBUG: process.env.DEMO_DEBUG ?? 'yes',
};
let api: ReturnType<typeof createService>;
try {
  api = createService({
    id: 'api',
    logger: silentLogger,
    config: {
      values: env,
      required: { DEMO_HOST: 'string', DEMO_PORT: 'port' },
      optional: { DEMO_DEBUG: 'boolean' },
    },
    pause: 50,
    onStart: [
      function openPool(ctx) {
        say(`   onStart[0] openPool: ${ctx.config.DEMO_HOST}:${ctx.config.DEMO_PORT}`);
      },
      function announce(ctx) {
        say(`   onStart[1] announce: debug ${ctx.config.DEMO_DEBUG}`);
      },
    ],
    iterate(ctx) {
      const { DEMO_PORT } = ctx.config;
      say(`   iteration ${ctx.iteration}: port ${DEMO_PORT} is a ${typeof DEMO_PORT}`);
      if (ctx.iteration === 1) ctx.stop();
    },
    onStop: [
      function closePool() {
        say('   onStop[0] closePool');
      },
    ],
  });
} catch (e) {
  if (!(e instanceof ServiceConfigError)) throw e;
  say(`the environment is wrong: ${e.message}`);
  process.exit(1);
}
say('2. a service with a good environment:');
const actor = createActor(api).start();
await waitFor(actor, () => getTree(actor).state === 'stopped');
say(`   state: ${getTree(actor).state}`);

// 3. Hooks that fail half way: the pairs of the ones that ran are undone.
say('3. a service whose second onStart hook throws:');
const setup = createHookCollection<[ServiceContext]>([
  function openPool() {
    say('   onStart[0] openPool');
  },
  function migrate() {
    say('   onStart[1] migrate: throws');
    throw new Error('migration 42 failed');
  },
  function listen() {
    say('   onStart[2] listen (never runs)');
  },
]);
const broken = createActor(
  createService({
    id: 'broken',
    logger: silentLogger,
    iterate() {},
    onStart: setup,
    onStop: [
      function closePool() {
        say('   onStop[0] closePool: undoes openPool');
      },
      function stopListening() {
        say('   onStop[1] stopListening (never runs)');
      },
    ],
  }),
).start();
await waitFor(broken, () => getTree(broken).state === 'failed');
const tree = getTree(broken);
say(`   state: ${tree.state}; lastError: ${tree.lastError?.message}`);
await shutdown(broken);

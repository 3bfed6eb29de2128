/**
 * Recipe (docs/recipes/supervised-connection.md): a TCP connection written as a plain XState
 * machine, supervised: it is running once connected, a dropped connection is a failure the
 * supervisor answers with a new connection after a backoff, and a shutdown closes it with its
 * own event.
 *
 * The part after the recipe plays the remote side: a real TCP server on 127.0.0.1 that drops
 * the first connection; the machine reconnects, sends a line, and the run stops.
 *
 * Run: node --import tsx examples/recipes/connection/main.ts
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { assign, fromPromise, setup } from 'xstate';
import { createSupervisor, getTree, run, supervise } from '../../../src/index.ts';

const connection = setup({
  types: {
    context: {} as { socket: Socket | null; port: number },
    input: {} as { port: number },
    events: {} as { type: 'conn.write'; line: string } | { type: 'conn.close' },
  },
  actors: {
    open: fromPromise(
      async ({ input, signal }: { input: { port: number }; signal: AbortSignal }) => {
        const socket = connect({ port: input.port, host: '127.0.0.1', signal });
        await once(socket, 'connect');
        return socket;
      },
    ),
    // Rejects when the socket closes: unhandled, that error fails the machine.
    watch: fromPromise(async ({ input }: { input: { socket: Socket } }) => {
      await once(input.socket, 'close');
      throw new Error('connection lost');
    }),
    shut: fromPromise(async ({ input }: { input: { socket: Socket } }) => {
      input.socket.end();
      await once(input.socket, 'close');
    }),
  },
  actions: {
    write: ({ context, event }) => {
      if (event.type === 'conn.write') context.socket?.write(`${event.line}\n`);
    },
  },
}).createMachine({
  id: 'conn',
  context: ({ input }) => ({ socket: null, port: input.port }),
  initial: 'connecting',
  states: {
    connecting: {
      invoke: {
        src: 'open',
        input: ({ context }) => ({ port: context.port }),
        onDone: { target: 'connected', actions: assign({ socket: ({ event }) => event.output }) },
        // no onError: a refused connect fails this start (see the recipe for the first one)
      },
    },
    connected: {
      tags: ['ready'],
      invoke: { src: 'watch', input: ({ context }) => ({ socket: context.socket! }) },
      on: { 'conn.write': { actions: 'write' }, 'conn.close': 'closing' },
    },
    closing: {
      invoke: {
        src: 'shut',
        input: ({ context }) => ({ socket: context.socket! }),
        onDone: 'closed',
      },
    },
    closed: { type: 'final' },
  },
});

const remotePort = Number(process.env.REMOTE_PORT ?? (await startRemote()));

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  maxRestarts: 5, // more than 5 reconnects within 60 s: give up, the run exits 1
  restartWindow: 60_000,
  backoff: { initial: 200, max: 10_000 }, // 200 ms, 400 ms, 800 ms, ... up to 10 s
  children: [
    supervise(connection, {
      input: { port: remotePort },
      ready: 'ready', // running once connected
      stop: { type: 'conn.close' }, // a graceful stop ends the socket first
      startTimeout: 5_000, // a connect that hangs fails the start
    }),
  ],
});

const handle = run(root);
handle.actor.on('child.restarted', (r) => {
  console.log(`reconnected: generation ${r.generation} (${(r.reason as Error).message})`);
});

// --- The remote side: a TCP server that drops the first connection it gets. ---

async function startRemote(): Promise<number> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    console.log(`remote: connection ${connections}`);
    if (connections === 1) setTimeout(() => socket.destroy(), 100);
    socket.on('data', (line) => console.log(`remote got: ${String(line).trim()}`));
    socket.on('end', () => socket.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  server.unref();
  return (server.address() as { port: number }).port;
}

await handle.ready;
await new Promise<void>((resolve) => {
  const sub = handle.actor.on('child.restarted', () => {
    sub.unsubscribe();
    resolve();
  });
});
await new Promise<void>((resolve) => {
  const check = () => {
    if (getTree(handle.actor).children?.[0]?.state === 'running') resolve();
    else setTimeout(check, 20);
  };
  check();
});
const conn = handle.actor.system.get('conn'); // the live actor, or undefined between generations
handle.actor.send({ type: 'child.send', id: 'conn', event: { type: 'conn.write', line: 'hello' } });
console.log(`live connection: ${JSON.stringify(conn?.getSnapshot().value)}`);
await new Promise((resolve) => setTimeout(resolve, 100));
await handle.stop();
const node = getTree(handle.actor).children?.[0];
console.log(`stopped: ${node?.state} in ${JSON.stringify(node?.value)}`);

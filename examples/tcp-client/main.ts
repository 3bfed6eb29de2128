/**
 * A supervised TCP client that keeps one connection to a line server up. The server is
 * stopped under it and started again on the same port: the client counts the lost connection
 * as a failure, reconnects after its backoff, and the same `write` works again. Writes while
 * it is reconnecting are refused with a typed error, never queued silently.
 *
 * Run: node --import tsx examples/tcp-client/main.ts
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createActor } from 'xstate';
import {
  ClientStateError,
  createSupervisor,
  createTcpClientService,
  getTree,
  shutdown,
} from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };

/** A line server that answers each line in upper case; `stop()` drops every connection. */
async function startLineServer(port: number): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => socket.write(text.toUpperCase()));
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let server = await startLineServer(0);

const upstream = createTcpClientService({
  id: 'upstream',
  port: server.port,
  reconnect: { initial: 50, max: 1_000 }, // 50, 100, 200 ... 1000 ms between attempts
  logger: quiet,
  async handle(conn) {
    for await (const line of conn.lines()) say(`upstream answered: ${line}`);
  },
});

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  children: [upstream],
  logger: quiet,
});
const actor = createActor(root).start();
const timeout = () => ({ signal: AbortSignal.timeout(10_000) });

await upstream.connected(timeout());
say('upstream: connected');
await upstream.write('hello\n');
await new Promise((resolve) => setTimeout(resolve, 100));

await server.stop();
say('server: stopped under the client');
await new Promise((resolve) => setTimeout(resolve, 100));
try {
  await upstream.write('are you there?\n');
} catch (e) {
  if (e instanceof ClientStateError) say(`write while reconnecting: ${e.code}`);
}

server = await startLineServer(server.port);
say('server: started again on the same port');
await upstream.connected(timeout());
await upstream.write('hello again\n');
await new Promise((resolve) => setTimeout(resolve, 100));

const node = getTree(actor).children?.[0];
const details = node?.details as { connections: number; connected: boolean };
say(`upstream: ${node?.state}, connections ${details.connections}, failures ${node?.failures}`);

await shutdown(actor);
await server.stop();
say('stopped');

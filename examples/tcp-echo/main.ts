/**
 * A TCP echo server as a supervised service: it listens on a free port on 127.0.0.1, echoes a
 * line sent to itself, then shuts down while a client sits idle on an open connection. The
 * idle connection does not hold the stop: it is ended (EOF) at once.
 *
 * Run: node --import tsx examples/tcp-echo/main.ts
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createActor } from 'xstate';
import { createSupervisor, createTcpService, getTree, shutdown } from '../../src/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

const echo = createTcpService({
  id: 'echo',
  port: 0,
  gracePeriod: 2_000,
  // Event-driven: the handler returns at once, so its connections count as idle for a stop.
  handle(socket: Socket) {
    socket.on('data', (chunk: Buffer) => socket.write(`echo: ${chunk.toString()}`));
  },
});

const root = createSupervisor({ id: 'root', children: [echo] });
const actor = createActor(root).start();
await new Promise<void>((resolve) => {
  const sub = actor.on('child.started', () => {
    sub.unsubscribe();
    resolve();
  });
});
const details = getTree(actor).children?.find((c) => c.id === 'echo')?.details;
if (!details) throw new Error('echo is not in the tree');
const { port, url } = details as { port: number; url: string };
say(`echo: listening (${url.startsWith('tcp://127.0.0.1:') ? 'tcp://127.0.0.1:<port>' : url})`);

const client = connect(port, '127.0.0.1');
await once(client, 'connect');
client.write('hello\n');
const [answer] = (await once(client, 'data')) as [Buffer];
say(`client got: ${answer.toString().trim()}`);

// The client now sits idle on its open connection.
const ended = new Promise<void>((resolve) => client.once('end', resolve));
const started = performance.now();
await shutdown(actor);
await ended;
say('client: the server ended the idle connection (EOF)');
say(`stopped in under 500 ms: ${performance.now() - started < 500}`);
client.destroy();
say(`echo: ${getTree(actor).children?.[0]?.state}`);

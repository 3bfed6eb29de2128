/**
 * Client mistakes thrown at a real control server over raw sockets to 127.0.0.1: bad JSON, huge
 * bodies, bad methods, unknown paths, aborted bodies, bad percent-encoding, hostile Host and
 * Origin headers, garbage. Shared by `control-api.test.ts` and `bench/reliability.ts`.
 */
import { connect } from 'node:net';
import { createActor } from 'xstate';
import { createControlServer, createService, createSupervisor, shutdown } from '../../src/index.ts';
import { type CountingLogger, countingLogger } from './counting-logger.ts';
import { seeded } from './sim-clock.ts';

export type Mistake =
  | 'bad-json'
  | 'huge-declared'
  | 'huge-streamed'
  | 'bad-method'
  | 'unknown-path'
  | 'aborted-body'
  | 'bad-percent'
  | 'hostile-host'
  | 'hostile-origin'
  | 'garbage';

export const MISTAKES: readonly Mistake[] = [
  'bad-json',
  'huge-declared',
  'huge-streamed',
  'bad-method',
  'unknown-path',
  'aborted-body',
  'bad-percent',
  'hostile-host',
  'hostile-origin',
  'garbage',
];

/** One request and its answer's status (0: none, as for an aborted body). */
export interface Answer {
  readonly mistake: Mistake;
  readonly request: string;
  readonly status: number;
}

export interface MalformedRun {
  readonly answers: readonly Answer[];
  readonly logger: CountingLogger;
  readonly wallMs: number;
}

const METHODS = ['DELETE', 'PUT', 'PATCH', 'OPTIONS', 'FOO', 'GET'];
const UNKNOWN = [
  '/nope',
  '/services/nope/restart',
  '/actions/svc/nope',
  '/services/svc/explode',
  '/tree/extra',
  '/',
];
const PERCENT = [
  '/services/%E0%A4%A/restart',
  '/actions/%ZZ/echo',
  '/services/svc%/stop',
  '/%C0%AF/tree',
];

/** The raw bytes of one mistaken request; `abort` cuts the socket after writing them. */
function build(
  m: Mistake,
  random: () => number,
  host: string,
): { head: string; body?: Buffer; abort?: boolean } {
  const choose = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const h = `Host: ${host}\r\nConnection: close\r\n`;
  switch (m) {
    case 'bad-json': {
      const body = choose(['{bad', '[1,', '{"a":}', '\u0000\u0001', 'nul']);
      return {
        head: `POST /actions/svc/echo HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
        body: Buffer.from(body),
      };
    }
    case 'huge-declared':
      return {
        head: `POST /actions/svc/echo HTTP/1.1\r\n${h}Content-Length: ${2 * 1024 * 1024}\r\n\r\n`,
        body: Buffer.alloc(1024, 97),
      };
    case 'huge-streamed': {
      const chunk = Buffer.alloc(64 * 1024, 97);
      const parts: Buffer[] = [];
      for (let i = 0; i < 18; i++)
        parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
      parts.push(Buffer.from('0\r\n\r\n'));
      return {
        head: `POST /actions/svc/echo HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\n`,
        body: Buffer.concat(parts),
      };
    }
    case 'bad-method':
      return {
        head: `${choose(METHODS)} ${choose(['/services/svc/restart', '/shutdown', '/actions/svc/echo', '/tree'])} HTTP/1.1\r\n${h}\r\n`,
      };
    case 'unknown-path':
      return {
        head: `${choose(['GET', 'POST'])} ${choose(UNKNOWN)} HTTP/1.1\r\n${h}Content-Length: 0\r\n\r\n`,
      };
    case 'aborted-body':
      return {
        head: `POST /actions/svc/echo HTTP/1.1\r\n${h}Content-Length: 1000\r\n\r\n`,
        body: Buffer.from('{"partial":'),
        abort: true,
      };
    case 'bad-percent':
      return { head: `POST ${choose(PERCENT)} HTTP/1.1\r\n${h}Content-Length: 0\r\n\r\n` };
    case 'hostile-host':
      return {
        head: `${choose(['GET /tree', 'POST /services/svc/restart'])} HTTP/1.1\r\nHost: ${choose(['evil.example', 'evil.example:80', '', '127.0.0.1.evil.example'])}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      };
    case 'hostile-origin':
      return {
        head: `POST /services/svc/restart HTTP/1.1\r\n${h}Origin: ${choose(['http://evil.example', 'null', '::bad::'])}\r\nContent-Length: 0\r\n\r\n`,
      };
    default:
      return {
        head: choose([
          'GARBAGE\r\n\r\n',
          'GET\r\n\r\n',
          'GET / HTTP/9.9\r\n\r\n',
          '\u0000\u0000\u0000\r\n\r\n',
        ]),
      };
  }
}

function send(port: number, m: Mistake, random: () => number): Promise<Answer> {
  const { head, body, abort } = build(m, random, `127.0.0.1:${port}`);
  const request = head.split('\r\n')[0]!;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve({ mistake: m, request, status: match ? Number(match[1]) : 0 });
    };
    // A bound on every wait: an answer that never comes counts as none.
    const timer = setTimeout(finish, 5_000);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      data += d;
      if (/^HTTP\/1\.[01] \d{3}/.test(data) && data.includes('\r\n\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(head);
      if (body) socket.write(body);
      if (abort) setImmediate(() => socket.destroy());
    });
  });
}

/**
 * Starts a small tree with the control API (a service `svc` with an `echo` action), sends
 * `count` mistaken requests drawn by `seed`, `concurrency` at a time, and shuts down.
 *
 * @example
 * ```ts
 * const run = await sendMalformed(10_000, 1);
 * run.answers.filter((a) => a.status >= 500).length; // 0
 * run.logger.counts.error; // 0
 * ```
 */
export async function sendMalformed(
  count: number,
  seed: number,
  concurrency = 16,
): Promise<MalformedRun> {
  const started = performance.now();
  const random = seeded(seed);
  const logger = countingLogger();
  const svc = createService({
    id: 'svc',
    minPeriod: 1_000,
    iterate() {},
    actions: { echo: (data) => data },
  });
  const actor = createActor(createSupervisor({ id: 'root', children: [svc], logger })).start();
  const control = await createControlServer(actor, { logger });
  const port = Number(new URL(control.url).port);
  const answers: Answer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      answers.push(await send(port, MISTAKES[Math.floor(random() * MISTAKES.length)]!, random));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await control.close();
  await shutdown(actor);
  return { answers, logger, wallMs: performance.now() - started };
}

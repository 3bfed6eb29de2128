/**
 * A client's mistakes are the client's (issue 11, defect 16): an aborted upload is logged at
 * debug and answered with nothing; bad JSON, big bodies, bad paths, bad methods, bad headers
 * and bytes that are not HTTP answer 4xx, and none of them logs an error or answers 5xx.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createService } from '../../src/index.ts';
import {
  type Answer,
  bearer,
  closeServedAfterEach,
  eventually,
  get,
  http,
  rawStatus,
  serve,
} from './server-helpers.ts';

closeServedAfterEach();

const MiB = 1024 * 1024;
const TOKEN = 't0ken';

function tree() {
  return {
    id: 'root',
    children: [
      createService({ id: 'a', minPeriod: 10, iterate() {}, actions: { echo: (d) => d } }),
    ],
  };
}

/** Opens a socket, writes `text`, and collects what comes back until it closes. */
async function openSocket(port: number, text: string): Promise<{ socket: Socket; got: string[] }> {
  const socket = connect(port, '127.0.0.1');
  const got: string[] = [];
  socket.on('data', (d: Buffer) => got.push(d.toString('utf8')));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(text);
  return { socket, got };
}

describe('a client that aborts its request body', () => {
  it('is logged at debug, not as an error, and answered with nothing', async () => {
    const s = await serve(tree());
    const head =
      `POST /actions/a/echo HTTP/1.1\r\nhost: 127.0.0.1:${s.port}\r\n` +
      'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"half":';
    const { socket, got } = await openSocket(s.port, head);
    socket.destroy();
    const [entry] = await eventually(() => {
      const about = s.logger.entries.filter((e) => e.fields.url === '/actions/a/echo');
      expect(about).toHaveLength(1);
      return about;
    });
    expect(entry).toMatchObject({
      level: 'debug',
      msg: 'control request aborted by the client',
      fields: { component: 'control', method: 'POST', url: '/actions/a/echo' },
    });
    expect(s.logger.at('error')).toEqual([]);
    expect(got).toEqual([]);
    expect((await get(s.url, '/healthz')).status).toBe(200);
  });

  it('is logged at debug when it aborts a chunked body', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const head =
      `POST /actions/a/echo HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${TOKEN}\r\n` +
      'transfer-encoding: chunked\r\n\r\n5\r\n[1,2,\r\n';
    const { socket } = await openSocket(s.port, head);
    socket.destroy();
    await eventually(() =>
      expect(s.logger.find('aborted by the client').map((e) => e.level)).toEqual(['debug']),
    );
    expect(s.logger.at('error')).toEqual([]);
  });
});

describe('client mistakes', () => {
  it('answer 4xx, never 5xx, and log no error', async () => {
    const s = await serve(tree(), { token: TOKEN });
    const auth = bearer(TOKEN);
    const json = { ...auth, 'content-type': 'application/json' };
    const answers: [what: string, answer: Answer][] = [];
    const send = async (
      what: string,
      method: string,
      path: string,
      options: Parameters<typeof http>[3] = {},
    ) => {
      answers.push([what, await http(s.url, method, path, options)]);
    };
    for (const body of ['{nope', '{"a":1', "{'a':1}", 'undefined', '\u0000', '\uFFFD{']) {
      await send(`bad JSON ${JSON.stringify(body)}`, 'POST', '/actions/a/echo', {
        headers: json,
        body,
      });
    }
    const big = JSON.stringify('x'.repeat(MiB));
    await send('a declared body over 1 MiB', 'POST', '/actions/a/echo', {
      headers: json,
      body: big,
    });
    await send('a chunked body over 1 MiB', 'POST', '/actions/a/echo', {
      headers: json,
      body: big,
      chunked: true,
    });
    await send('a body on a command', 'POST', '/services/a/nope', { headers: json, body: big });
    for (const path of ['/tree%', '/services/%E0%A4%A/restart', '//[', '/%00', '/../../etc']) {
      await send(`the path ${path}`, 'GET', path, { headers: auth });
    }
    for (const path of [
      '/services/a',
      '/actions/a',
      '/services/nope/x/restart',
      '/actions/b/echo',
    ]) {
      await send(`the path ${path}`, 'POST', path, { headers: auth });
    }
    for (const path of ['/__proto__', '/actions/a/constructor', '/actions/a/__proto__']) {
      await send(`the path ${path}`, 'POST', path, { headers: auth });
    }
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'BREW']) {
      for (const path of ['/tree', '/metrics', '/services/a/restart', '/actions/a/echo']) {
        await send(`${method} ${path}`, method, path, { headers: auth });
      }
    }
    await send('a foreign Host', 'GET', '/tree', { headers: { ...auth, host: 'evil.example' } });
    await send('a foreign Origin', 'GET', '/tree', { headers: { ...auth, origin: 'null' } });
    await send('a bad Origin', 'GET', '/tree', { headers: { ...auth, origin: '::::' } });
    await send('no token', 'POST', '/shutdown');
    await send('a huge token', 'GET', '/tree', { headers: bearer('x'.repeat(8_000)) });

    for (const [what, answer] of answers) {
      expect({ what, status: answer.status }).toEqual({ what, status: expect.any(Number) });
      expect([what, answer.status >= 400 && answer.status < 500]).toEqual([what, true]);
    }
    // Bytes that are not HTTP: Node's parser answers 400 on its own.
    for (const text of [
      'GARBAGE\r\n\r\n',
      'GET /tree HTTP/1.1\r\nhost: localhost\r\ncontent-length: abc\r\n\r\n',
      'GET /tree HTTP/1.1\r\nhost: localhost\r\ncontent-length: -1\r\n\r\n',
      `GET /tree HTTP/1.1\r\nhost: localhost\r\nx: ${'y'.repeat(20_000)}\r\n\r\n`,
    ]) {
      const status = await rawStatus(s.port, text);
      expect([text.slice(0, 40), status >= 400 && status < 500]).toEqual([text.slice(0, 40), true]);
    }
    expect(s.logger.at('error')).toEqual([]);
    expect((await get(s.url, '/tree', TOKEN)).status).toBe(200);
  });
});

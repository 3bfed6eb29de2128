import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import {
  createHttpService,
  createTcpService,
  getTree,
  ServiceConfigError,
  shutdown,
} from '../../src/index.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { exchange, reachState } from './servers-helpers.ts';

let dir: string;
const actors: AnyActorRef[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xs-unix-'));
});
afterEach(async () => {
  for (const actor of actors.splice(0)) await shutdown(actor);
  rmSync(dir, { recursive: true, force: true });
});

function start(machine: Parameters<typeof createActor>[0]): AnyActorRef {
  const actor = createActor(machine).start();
  actors.push(actor);
  return actor;
}

const echo = (path: string) =>
  createTcpService({
    id: 'echo',
    path,
    logger: createCapturingLogger(),
    handle(socket) {
      socket.once('data', (b: Buffer) => socket.end(`echo:${b}`));
    },
  });

/** A socket file a killed process left behind: nobody listens on it any more. */
function staleSocket(path: string): void {
  const code = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  try {
    execFileSync(process.execPath, ['-e', code], { stdio: 'ignore' });
  } catch {
    // killed, as intended
  }
}

describe('servers on a unix socket path', () => {
  it('serves TCP on the path, shows it in getTree, and removes the socket file on stop', async () => {
    const path = join(dir, 'echo.sock');
    const actor = start(echo(path));
    await reachState(actor, 'running');
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(getTree(actor).details).toMatchObject({ path, url: `unix:${path}`, listening: true });
    const got = await exchange(connect({ path }), 'hi');
    expect(got).toEqual({ data: 'echo:hi', ending: 'end' });
    await shutdown(actor);
    expect(existsSync(path)).toBe(false);
  });

  it('serves HTTP on the path', async () => {
    const path = join(dir, 'api.sock');
    const actor = start(
      createHttpService({
        id: 'api',
        path,
        logger: createCapturingLogger(),
        serve: (_q, r) => r.end('ok'),
      }),
    );
    await reachState(actor, 'running');
    const req = request({ socketPath: path, path: '/' });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    let body = '';
    for await (const chunk of res) body += chunk;
    expect([res.statusCode, body]).toEqual([200, 'ok']);
    await shutdown(actor);
    expect(existsSync(path)).toBe(false);
  });

  it('replaces a stale socket that a killed process left, and listens again on a restart', async () => {
    const path = join(dir, 'stale.sock');
    staleSocket(path);
    expect(lstatSync(path).isSocket()).toBe(true);
    const actor = start(echo(path));
    await reachState(actor, 'running');
    expect((await exchange(connect({ path }), 'a')).data).toBe('echo:a');
    actor.send({ type: 'service.stop' });
    await reachState(actor, 'stopped');
    actor.send({ type: 'service.start' });
    await reachState(actor, 'running');
    expect((await exchange(connect({ path }), 'b')).data).toBe('echo:b');
  });

  it('refuses, at creation, a path that exists and is not a socket', () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'keep me');
    let error: unknown;
    try {
      echo(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ServiceConfigError);
    expect(error).toMatchObject({ option: 'path', received: path, owner: 'echo' });
    expect((error as ServiceConfigError).expected).toContain('(it is a regular file)');
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('fails the start with ENOTSOCK when a file appeared there after creation, and leaves it', async () => {
    const path = join(dir, 'later.txt');
    const machine = echo(path);
    writeFileSync(path, 'keep me');
    const actor = start(machine);
    await reachState(actor, 'failed');
    expect(getTree(actor).lastError?.message).toBe(
      `TCP service "echo" could not listen on ${path}: the path exists and is not a socket (ENOTSOCK); remove it, or choose another \`path\`; only a socket left by an earlier run is replaced.`,
    );
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('fails the start with EADDRINUSE when a live server holds the socket', async () => {
    const path = join(dir, 'busy.sock');
    const other = createServer().listen(path);
    await once(other, 'listening');
    try {
      const actor = start(echo(path));
      await reachState(actor, 'failed');
      expect(getTree(actor).lastError?.message).toContain('(EADDRINUSE)');
      expect(lstatSync(path).isSocket()).toBe(true);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('refuses `path` together with `port`, and an empty path', () => {
    const handle = () => {};
    expect(() =>
      createTcpService({ id: 't', path: join(dir, 'x.sock'), port: 80, handle }),
    ).toThrow(
      expect.objectContaining({
        option: 'path',
        expected: 'either `path` or `port`/`host`/`reusePort`, not both',
      }),
    );
    expect(() => createTcpService({ id: 't', path: '', handle })).toThrow(
      expect.objectContaining({ option: 'path', received: '' }),
    );
  });
});

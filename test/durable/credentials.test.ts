/**
 * Wrong credentials, on each real server: a queue worker whose login the server refuses fails
 * its start with a typed error naming host, port and user (never the password, in the error or
 * the logs); refused at its first start it fails its supervisor's start (as OTP does), refused
 * on a restart it is restarted per its supervisor until the login is accepted again.
 * PostgreSQL here trusts every role on 127.0.0.1 (pg_hba `trust`), so no password is ever
 * checked: the refusal is a role that does not exist, or one that may not log in (NOLOGIN).
 * Redis gets an ACL user of its own with a password, and we log in with another.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { shutdown } from '../../src/actors/shutdown.ts';
import { getTree } from '../../src/actors/tree.ts';
import type { SupervisorReport } from '../../src/core/reports.ts';
import { DurableConnectionError } from '../../src/durable/connection-error.ts';
import { createPostgresQueue } from '../../src/durable/postgres/index.ts';
import { createRedisQueue } from '../../src/durable/redis/index.ts';
import { createQueueWorker } from '../../src/kinds/queue-worker.ts';
import { createSupervisor } from '../../src/machines/supervisor.ts';
import { createCapturingLogger, type LogEntry } from '../helpers/capture-logger.ts';
import {
  BACKENDS,
  type BackendKind,
  dropTag,
  PG,
  restartingRoot,
  until,
  withPg,
  withRedis,
} from './queue-helpers.ts';

const hex = randomBytes(5).toString('hex');
const USER = `xsq_user_${hex}`;
const PASSWORD = `not-this-${randomBytes(8).toString('hex')}`;
const RIGHT = `right-${randomBytes(8).toString('hex')}`;

/** Everything a log entry holds, errors and their causes spelled out. */
function logText(entries: LogEntry[]): string {
  const seen = new Set<unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return v;
    seen.add(v);
    if (v instanceof Error) {
      return { ...v, message: v.message, stack: v.stack, cause: walk(v.cause) };
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return JSON.stringify(entries.map((e) => ({ msg: e.msg, fields: walk(e.fields) })));
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
const LOGIN = `xsq_login_${hex}`;
beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  await withRedis((r) =>
    r.call('ACL', 'SETUSER', USER, 'on', `>${RIGHT}`, `~xsqt${hex}:*`, '+@all'),
  );
  await withPg(async (c) => {
    await c.query(`CREATE ROLE ${LOGIN} LOGIN PASSWORD '${RIGHT}'`);
    await c.query(`GRANT CREATE ON DATABASE ${PG.database} TO ${LOGIN}`);
  });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await withRedis((r) => r.call('ACL', 'DELUSER', USER));
  await dropTag('redis', `xsqt${hex}`);
  await withPg(async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS xsq_t_${hex} CASCADE`);
    await c.query(`DROP OWNED BY ${LOGIN}`);
    await c.query(`DROP ROLE ${LOGIN}`);
  });
  expect(unhandled).toEqual([]);
});

/** The reports of a refused login: typed, naming host, port and user, not the password. */
function expectRefused(kind: BackendKind, reason: unknown, user: string, password: string) {
  const port = kind === 'postgres' ? PG.port : 6379;
  const e = reason as DurableConnectionError;
  expect(e).toBeInstanceOf(DurableConnectionError);
  expect(e.code).toBe('DURABLE_AUTH_FAILED');
  expect(e.backend).toBe(kind);
  expect(e.host).toBe('127.0.0.1');
  expect(e.port).toBe(port);
  expect(e.user).toBe(user);
  expect(e.message).toContain(`127.0.0.1:${port} as user "${user}"`);
  expect(e.message).not.toContain(password);
}

function refusedQueue(kind: BackendKind, logger: ReturnType<typeof createCapturingLogger>) {
  return kind === 'postgres'
    ? createPostgresQueue<string>({
        name: 'refused',
        schema: `xsq_t_${hex}`,
        logger,
        connection: { ...PG, user: USER, password: PASSWORD, connectTimeout: 2_000 },
      })
    : createRedisQueue<string>({
        name: 'refused',
        prefix: `xsqt${hex}`,
        logger,
        connection: {
          host: '127.0.0.1',
          port: 6379,
          username: USER,
          password: PASSWORD,
          connectTimeout: 2_000,
        },
      });
}

describe.each(BACKENDS)('%s queue worker with credentials the server refuses', (kind) => {
  it("fails its first start, and so its supervisor's, with DURABLE_AUTH_FAILED naming host, port and user, never the password", async () => {
    const logger = createCapturingLogger();
    const queue = refusedQueue(kind, logger);
    const failed: SupervisorReport[] = [];
    const root = createActor(
      createSupervisor({
        id: 'root',
        logger,
        children: [createQueueWorker({ id: 'refused', logger, queue, handle() {} })],
      }),
    );
    root.on('child.failed', (r) => failed.push(r as unknown as SupervisorReport));
    root.start();
    await until(() => getTree(root).state === 'failed', "the supervisor's failed start");
    expect(failed).toHaveLength(1);
    expectRefused(kind, failed[0]!.reason, USER, PASSWORD);
    const shown = getTree(root).children?.[0]?.lastError?.message ?? '';
    expect(shown).toContain(`as user "${USER}"`);
    expect(shown).not.toContain(PASSWORD);
    await shutdown(root);
    await expect(queue.enqueue('x')).rejects.toMatchObject({ code: 'DURABLE_AUTH_FAILED' });
    await queue.close();
    const logged = logText(logger.entries);
    expect(logged).toContain(USER);
    expect(logged).not.toContain(PASSWORD);
  });

  it('is restarted per its supervisor while the server refuses its login, each refusal typed, and runs again once the login is accepted', async () => {
    const logger = createCapturingLogger();
    const user = kind === 'postgres' ? LOGIN : USER;
    const queue =
      kind === 'postgres'
        ? createPostgresQueue<string>({
            name: 'rotated',
            schema: `xsq_t_${hex}`,
            logger,
            pollInterval: 200,
            connection: {
              ...PG,
              user: LOGIN,
              password: RIGHT,
              applicationName: LOGIN,
              connectTimeout: 2_000,
            },
          })
        : createRedisQueue<string>({
            name: 'rotated',
            prefix: `xsqt${hex}`,
            logger,
            connection: { username: USER, password: RIGHT, name: USER, connectTimeout: 2_000 },
          });
    const handled: string[] = [];
    const worker = createQueueWorker({
      id: 'rotated',
      logger,
      queue,
      handle: (task: string) => {
        handled.push(task);
      },
    });
    const { root, failed } = restartingRoot([worker], logger, 50);
    await until(() => getTree(root).children?.[0]?.state === 'running', 'the worker running');
    // The server stops accepting the login (its password changed; the role may not log in),
    // and drops the sessions it had.
    if (kind === 'postgres') {
      await withPg(async (c) => {
        await c.query(`ALTER ROLE ${LOGIN} NOLOGIN`);
        await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [LOGIN],
        );
      });
    } else {
      await withRedis(async (r) => {
        await r.call('ACL', 'SETUSER', USER, 'resetpass', `>${RIGHT}-rotated`);
        await r.call('CLIENT', 'KILL', 'USER', USER);
      });
    }
    root.send({ type: 'child.fail', id: 'rotated' });
    await until(() => failed.length >= 3, 'two refused restarts');
    for (const report of failed.slice(1)) expectRefused(kind, report.reason, user, RIGHT);
    expect(getTree(root).state).toBe('running');
    // The login is accepted again: the next restart runs.
    if (kind === 'postgres') await withPg((c) => c.query(`ALTER ROLE ${LOGIN} LOGIN`));
    else await withRedis((r) => r.call('ACL', 'SETUSER', USER, 'resetpass', `>${RIGHT}`));
    await until(() => getTree(root).children?.[0]?.state === 'running', 'the worker restarted');
    await queue.enqueue('after');
    await until(() => handled.includes('after'), 'a job once the login is accepted');
    await shutdown(root);
    await queue.close();
    const logged = logText(logger.entries);
    expect(logged).toContain('DURABLE_AUTH_FAILED');
    expect(logged).not.toContain(RIGHT);
  });
});

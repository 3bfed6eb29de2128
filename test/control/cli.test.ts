/**
 * The `xstate-supervisor` CLI, run in-process through main() (and once as a real process),
 * against a fake control server (test/helpers/fake-control-server.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_USAGE } from '../../src/cli.ts';
import {
  closedPortUrl,
  FAKE_TREE,
  type FakeControlServer,
  startFakeControlServer,
} from '../helpers/fake-control-server.ts';
import { type CliRun, runCli } from './cli-helpers.ts';

const TOKEN = 's3cret-token';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let fake: FakeControlServer;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  fake = await startFakeControlServer({ token: TOKEN });
  env = { XSTATE_SUPERVISOR_URL: fake.url, XSTATE_SUPERVISOR_TOKEN: TOKEN };
});

afterEach(async () => {
  await fake.close();
});

function cli(
  args: string[],
  environment: Record<string, string | undefined> = env,
): Promise<CliRun> {
  return runCli(args, environment);
}

const TREE_LISTING = [
  'root        supervisor  running  gen 0  restarts 0',
  '  workers   supervisor  running  gen 0  restarts 1',
  '    poller  service     running  gen 2  iterations 17  failures 1  last error: ECONNRESET',
  '  db        service     stopped  gen 1  iterations 0',
  '',
].join('\n');

describe('xstate-supervisor tree', () => {
  it('prints the tree as an aligned, indented listing and exits 0', async () => {
    const { code, out, err } = await cli(['tree']);
    expect({ code, out, err }).toEqual({ code: 0, out: TREE_LISTING, err: '' });
    expect(fake.requests[0]).toMatchObject({ method: 'GET', url: '/tree' });
  });

  it('prints the raw tree JSON with --json', async () => {
    const { code, out } = await cli(['tree', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(FAKE_TREE);
  });

  it('reads the URL and token from the environment, and lets --url and --token override them', async () => {
    await cli(['tree']);
    const other = await startFakeControlServer({ token: 'other' });
    try {
      const { code } = await cli(['tree', '--url', other.url, '--token', 'other']);
      expect(code).toBe(0);
      expect(other.requests[0]!.headers.authorization).toBe('Bearer other');
    } finally {
      await other.close();
    }
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });
});

describe('xstate-supervisor service, perform, shutdown, health', () => {
  it('service prints the node the command answered', async () => {
    const { code, out } = await cli(['service', 'workers/poller', 'restart']);
    expect(code).toBe(0);
    expect(out).toBe(
      'poller  service  running  gen 3  iterations 17  failures 1  last error: ECONNRESET\n',
    );
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      url: '/services/workers/poller/restart',
    });
  });

  it('perform sends the JSON data and prints the JSON result', async () => {
    const { code, out } = await cli(['perform', 'workers/poller', 'echo', '{"n":[1,2]}']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ received: { n: [1, 2] } });
    expect(fake.requests[0]!.body).toBe('{"n":[1,2]}');
  });

  it('perform takes data that starts with "-" after --', async () => {
    const { code, out } = await cli(['perform', 'workers/poller', 'echo', '--', '-1']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ received: -1 });
  });

  it('shutdown posts /shutdown and reports it', async () => {
    const { code, out } = await cli(['shutdown']);
    expect({ code, out }).toEqual({ code: 0, out: 'shutting down\n' });
    expect(fake.requests[0]).toMatchObject({ method: 'POST', url: '/shutdown' });
  });

  it('health exits 0 when live and ready, without sending the token', async () => {
    const { code, out } = await cli(['health'], { XSTATE_SUPERVISOR_URL: fake.url });
    expect(code).toBe(0);
    expect(out).toBe('healthz  200  ok (root running)\nreadyz   200  ready\n');
  });

  it('health exits 1 and lists what is not running when not ready', async () => {
    fake.health.notRunning = ['workers/poller', 'db'];
    const { code, out } = await cli(['health']);
    expect(code).toBe(1);
    expect(out).toContain('readyz   503  not ready: workers/poller, db');
  });
});

describe('xstate-supervisor exit codes', () => {
  it('exits 1 and prints "error CODE (status): message" when the server answers an error', async () => {
    const stop = await cli(['service', 'db', 'stop']);
    expect(stop).toEqual({
      code: 1,
      out: '',
      err: 'error ALREADY_STOPPED (409): Cannot stop child "db" of "root": it is stopped.\n',
    });
    const unknown = await cli(['perform', 'workers/poller', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe(
      'error UNKNOWN_ACTION (404): Service "workers/poller" has no action "nope".\n',
    );
  });

  it('exits 1 with UNAUTHORIZED when the token is missing or wrong', async () => {
    const missing = await cli(['tree'], { XSTATE_SUPERVISOR_URL: fake.url });
    const wrong = await cli(['tree', '--token', 'wrong']);
    for (const run of [missing, wrong]) {
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/^error UNAUTHORIZED \(401\): /);
    }
  });

  it("exits 2 with the mistake and the command's form (not the whole help), sending nothing", async () => {
    const usageErrors = [
      [],
      ['frobnicate'],
      ['tree', '--bogus'],
      ['tree', 'extra'],
      ['service', 'db'],
      ['service', 'db', 'explode'],
      ['service', '../tree', 'stop'],
      ['perform', 'workers/poller', 'echo', '{not json'],
      ['tree', '--timeout', '0'],
      ['tree', '--timeout', '1s'],
      ['tree', '--url', 'ftp://example.com'],
      ['tree', '--token', ''],
    ];
    for (const args of usageErrors) {
      const { code, out, err } = await cli(args);
      expect({ args, code, out }).toEqual({ args, code: 2, out: '' });
      expect(err).toMatch(
        /^xstate-supervisor: .+\n(Usage: xstate-supervisor .+\n)?Run "xstate-supervisor --help" for every command and option\.\n$/,
      );
    }
    expect(fake.requests).toEqual([]);
  });

  it('exits 2 when no URL is given by flag or environment', async () => {
    const { code, err } = await cli(['tree'], {});
    expect(code).toBe(2);
    expect(err).toContain('pass --url <url> or set XSTATE_SUPERVISOR_URL');
  });

  it('exits 3 with NETWORK when nothing listens at the URL', async () => {
    const { code, err } = await cli(['tree', '--url', await closedPortUrl()]);
    expect(code).toBe(3);
    expect(err).toMatch(/^error NETWORK: GET http:\/\/127\.0\.0\.1:\d+\/tree: .*ECONNREFUSED/);
  });

  it('exits 3 with TIMEOUT when the server does not answer within --timeout', async () => {
    fake.hang.add('GET /tree');
    const { code, err } = await cli(['tree', '--timeout', '100']);
    expect(code).toBe(3);
    expect(err).toMatch(/^error TIMEOUT: .*within 100 ms/);
  });
});

describe('xstate-supervisor --help and --version', () => {
  it('prints the usage on stdout and exits 0 with --help or -h, needing no URL', async () => {
    for (const flag of ['--help', '-h']) {
      expect(await cli([flag], {})).toEqual({ code: 0, out: CLI_USAGE, err: '' });
    }
    expect(CLI_USAGE).toContain('Exit codes: 0 ok, 1 the server answered an error');
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as {
      version: string;
    };
    expect(await cli(['--version'], {})).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });

  it('runs as a command, with its exit code, when executed directly', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'tree', '--url', fake.url],
      { cwd: ROOT, env: { ...process.env, XSTATE_SUPERVISOR_TOKEN: TOKEN }, timeout: 15_000 },
    );
    expect(stdout).toBe(TREE_LISTING);
    const failed = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'shutdown'], {
      cwd: ROOT,
      env: { ...process.env, XSTATE_SUPERVISOR_URL: fake.url, XSTATE_SUPERVISOR_TOKEN: 'wrong' },
      timeout: 15_000,
    }).then(
      () => expect.unreachable('expected exit code 1'),
      (e: { code?: unknown; stderr?: unknown }) => e,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error UNAUTHORIZED \(401\)/);
  });
});

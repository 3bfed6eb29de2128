/**
 * The CLI's answers to a user's mistakes: a mistyped option or command gets the one meant
 * ("did you mean"), a usage error is a few lines (not the whole help), and the inspector's URL
 * given for the control API's is named as such. Against a real tree, a real control server and
 * a real inspector server on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { createInspectorServer, createService, silentLogger } from '../../src/index.ts';
import { runCli } from './cli-helpers.ts';
import { closeServedAfterEach, nodeAt, serve } from './server-helpers.ts';

closeServedAfterEach();

const MORE_HELP = 'Run "xstate-supervisor --help" for every command and option.\n';
const TOKEN = 's3cret-token';

async function served() {
  const s = await serve(
    { id: 'root', children: [createService({ id: 'db', iterate() {}, pause: 50 })] },
    { token: TOKEN },
  );
  return { ...s, env: { XSTATE_SUPERVISOR_URL: s.url, XSTATE_SUPERVISOR_TOKEN: TOKEN } };
}

describe('xstate-supervisor usage mistakes', () => {
  it('names the option meant for a mistyped one (--tokn: did you mean --token?), in two lines', async () => {
    const { env } = await served();
    expect(await runCli(['tree', '--tokn', TOKEN], env)).toEqual({
      code: 2,
      out: '',
      err: `xstate-supervisor: unknown option --tokn; did you mean --token?\n${MORE_HELP}`,
    });
    expect((await runCli(['tree', '--jsno'], env)).err).toContain('did you mean --json?');
    expect((await runCli(['tree', '--time', '5'], env)).err).toContain('did you mean --timeout?');
    expect((await runCli(['tree', '--frobnicate'], env)).err).toBe(
      `xstate-supervisor: unknown option --frobnicate.\n${MORE_HELP}`,
    );
  });

  it('names the command meant for a mistyped one, and the service command meant', async () => {
    const { env, actor } = await served();
    const generation = nodeAt(actor, 'db').generation;
    expect(await runCli(['tre'], env)).toEqual({
      code: 2,
      out: '',
      err:
        'xstate-supervisor: unknown command "tre"; did you mean tree? The commands are ' +
        `tree, service, perform, send, health, shutdown, start.\n${MORE_HELP}`,
    });
    expect((await runCli(['shutdonw'], env)).err).toContain('did you mean shutdown?');
    expect((await runCli(['frobnicate'], env)).err).not.toContain('did you mean');
    const service = await runCli(['service', 'db', 'restrat'], env);
    expect(service).toEqual({
      code: 2,
      out: '',
      err:
        'xstate-supervisor: unknown service command "restrat"; did you mean restart? The ' +
        'commands are start, stop, restart, hard-reset, fail.\n' +
        `Usage: xstate-supervisor service <path> <start|stop|restart|hard-reset|fail>\n${MORE_HELP}`,
    });
    // Nothing was sent: db was not restarted.
    expect(nodeAt(actor, 'db').generation).toBe(generation);
  });

  it("shows the command's own form after a wrong argument count, not the whole help", async () => {
    const { env } = await served();
    const { code, err } = await runCli(['service', 'db'], env);
    expect(code).toBe(2);
    expect(err).toBe(
      'xstate-supervisor: expected 2 argument(s) after the command, got "db".\n' +
        `Usage: xstate-supervisor service <path> <start|stop|restart|hard-reset|fail>\n${MORE_HELP}`,
    );
    expect(err.split('\n').length).toBeLessThanOrEqual(4);
  });

  it('says which option lacks its value, with an example', async () => {
    const { code, err } = await runCli(['tree', '--url'], {});
    expect(code).toBe(2);
    expect(err).toBe(
      `xstate-supervisor: --url needs a value, e.g. --url http://127.0.0.1:9464.\n${MORE_HELP}`,
    );
  });
});

describe('xstate-supervisor pointed at the inspector', () => {
  it("says it is the inspector, not the control API, for every command, instead of a 404's text", async () => {
    const s = await served();
    const inspector = await createInspectorServer(s.actor, { logger: silentLogger });
    try {
      const env = { XSTATE_SUPERVISOR_URL: inspector.url, XSTATE_SUPERVISOR_TOKEN: TOKEN };
      for (const args of [['tree'], ['service', 'db', 'restart'], ['health'], ['shutdown']]) {
        const { code, out, err } = await runCli(args, env);
        expect({ args, code, out }).toEqual({ args, code: 2, out: '' });
        expect(err).toContain(
          `${inspector.url} is the inspector (the web page), not the control API`,
        );
        expect(err).toContain('control API listening');
        expect(err).not.toContain('No file');
      }
    } finally {
      await inspector.close();
    }
    // An inspector that knows its control API names it.
    const paired = await createInspectorServer(s.actor, {
      logger: silentLogger,
      control: { url: s.url },
    });
    try {
      const { code, err } = await runCli(['tree', '--url', paired.url], s.env);
      expect(code).toBe(2);
      expect(err).toContain(
        `${paired.url} is the inspector (the web page), not the control API; the control API is at ${s.url}: pass --url ${s.url}.`,
      );
    } finally {
      await paired.close();
    }
    // The control API itself still answers its own 404 as the server's error.
    const missing = await runCli(['service', 'nosuch', 'restart'], s.env);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error \w+ \(404\): /);
    expect(missing.err).not.toContain('inspector');
  });
});

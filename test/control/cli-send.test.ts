/**
 * `xstate-supervisor send <path> <event>`, run in-process through main() against a real control
 * server over a real supervised user machine, whose state proves the event arrived.
 */
import { describe, expect, it } from 'vitest';
import { type AnyActorRef, assign, setup } from 'xstate';
import { createService, createSupervisor, supervise } from '../../src/index.ts';
import { closedPortUrl } from '../helpers/fake-control-server.ts';
import { type CliRun, runCli } from './cli-helpers.ts';
import { closeServedAfterEach, post, serve } from './server-helpers.ts';

closeServedAfterEach();

const TOKEN = 'cli-send-token';

/** A light switch; `dim` carries a level, kept in the context. */
const lightSwitch = setup({
  types: {
    context: {} as { level: number },
    events: {} as { type: 'flip' } | { type: 'dim'; level: number },
  },
}).createMachine({
  id: 'switch',
  context: { level: 100 },
  initial: 'off',
  states: {
    off: { on: { flip: 'on' } },
    on: {
      on: {
        flip: 'off',
        dim: { actions: assign({ level: ({ event }) => event.level }) },
      },
    },
  },
});

async function served() {
  return serve(
    {
      id: 'root',
      children: [
        lightSwitch,
        createService({ id: 'svc', minPeriod: 10, iterate() {} }),
        createSupervisor({ id: 'room', children: [supervise(lightSwitch, { id: 'lamp' })] }),
      ],
    },
    { token: TOKEN },
  );
}

function cli(args: string[], url: string, token: string | undefined = TOKEN): Promise<CliRun> {
  return runCli(args, { XSTATE_SUPERVISOR_URL: url, XSTATE_SUPERVISOR_TOKEN: token });
}

function snapshotOf(actor: AnyActorRef, systemId: string) {
  return (actor.system.get(systemId) as AnyActorRef).getSnapshot() as {
    value: unknown;
    context: { level: number };
  };
}

describe('xstate-supervisor send', () => {
  it('sends a bare event type and prints the actor with the state it led to', async () => {
    const s = await served();
    const { code, out, err } = await cli(['send', 'switch', 'flip'], s.url);
    expect({ code, out, err }).toEqual({
      code: 0,
      out: 'switch  actor  running  gen 0  value on\n',
      err: '',
    });
    expect(snapshotOf(s.actor, 'switch').value).toBe('on');
  });

  it('sends a JSON object as the event, its payload included, to a nested path', async () => {
    const s = await served();
    expect((await cli(['send', 'room/lamp', 'flip'], s.url)).code).toBe(0);
    const dim = await cli(['send', 'room/lamp', '{"type":"dim","level":30}'], s.url);
    expect(dim).toMatchObject({ code: 0, err: '' });
    expect(snapshotOf(s.actor, 'room/lamp')).toMatchObject({ value: 'on', context: { level: 30 } });
  });

  it('prints the raw node with --json', async () => {
    const s = await served();
    const { code, out } = await cli(['send', 'switch', 'flip', '--json'], s.url);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ id: 'switch', kind: 'actor', value: 'on' });
  });

  it('shows each actor’s state value in the tree listing', async () => {
    const s = await served();
    await cli(['send', 'switch', 'flip'], s.url);
    const { code, out } = await cli(['tree'], s.url);
    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}switch +actor +running +gen 0 +value on$/m);
    expect(out).toMatch(/^ {4}lamp +actor +running +gen 0 +value off$/m);
    expect(out).toMatch(/^ {2}svc +service +running +gen 0 +iterations \d+$/m);
  });

  it('exits 1 with the server’s 409 for a service child or a stopped actor', async () => {
    const s = await served();
    const service = await cli(['send', 'svc', 'flip'], s.url);
    expect(service).toMatchObject({ code: 1, out: '' });
    expect(service.err).toMatch(/^error NOT_AN_ACTOR \(409\): .*"svc"/);
    expect((await post(s.url, '/services/switch/stop', undefined, TOKEN)).status).toBe(200);
    const stopped = await cli(['send', 'switch', 'flip'], s.url);
    expect(stopped).toMatchObject({ code: 1, out: '' });
    expect(stopped.err).toMatch(/^error NOT_RUNNING \(409\): .*stopped/);
  });

  it('exits 1 for an unknown path, a wrong token and an XState event', async () => {
    const s = await served();
    expect((await cli(['send', 'nope', 'flip'], s.url)).err).toMatch(
      /^error UNKNOWN_CHILD \(404\)/,
    );
    expect((await cli(['send', 'switch', 'flip'], s.url, 'wrong')).err).toMatch(
      /^error UNAUTHORIZED \(401\)/,
    );
    const reserved = await cli(['send', 'switch', 'xstate.stop'], s.url);
    expect(reserved).toMatchObject({ code: 1 });
    expect(reserved.err).toMatch(/^error RESERVED_EVENT \(400\)/);
    expect(snapshotOf(s.actor, 'switch').value).toBe('off');
  });

  it('exits 2 with the usage, sending nothing, for an event that is not one or a bad path', async () => {
    // Nothing listens there: a request sent would exit 3, not 2.
    const url = await closedPortUrl();
    const cases: [string[], RegExp][] = [
      [['send', 'switch', '{"type":'], /<event> is not valid JSON/],
      [['send', 'switch', '{"type":1}'], /<event> must have a string "type"/],
      [['send', 'switch', '{}'], /<event> must have a string "type"/],
      [['send', 'switch', ' '], /<event> is empty/],
      [['send', 'switch'], /expected 2 argument\(s\) after the command, got "switch"/],
      [
        ['send', 'switch', 'flip', 'extra'],
        /expected 2 argument\(s\) after the command, got "switch" "flip" "extra"/,
      ],
      [['send', 'a/../b', 'flip'], /`path`/],
      [['send', '', 'flip'], /`path`/],
    ];
    for (const [args, reason] of cases) {
      const { code, out, err } = await cli(args, url);
      expect({ args, code, out }).toEqual({ args, code: 2, out: '' });
      expect(err).toMatch(reason);
      expect(err).toContain('send <path> <event>');
    }
  });
});

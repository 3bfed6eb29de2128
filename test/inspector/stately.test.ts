/**
 * Forwarding to Stately's inspector: `@statelyai/inspect`'s own WebSocket inspector carries
 * our events to a real WebSocket server, as it would to Stately's.
 */
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createActor, createMachine, fromPromise } from 'xstate';
import {
  createInspectorServer,
  createService,
  createSupervisor,
  type StatelyInspectionEvent,
} from '../../src/index.ts';
import { toStatelyEvent } from '../../src/inspector/index.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { reach } from '../helpers/supervisor.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A WebSocket server standing in for Stately's relay, recording what arrives. */
async function relay() {
  const received: StatelyInspectionEvent[] = [];
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws) =>
    ws.on('message', (data) => received.push(JSON.parse(String(data)) as StatelyInspectionEvent)),
  );
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  const { port } = wss.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, received };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Stately forwarding', () => {
  it("sends every actor, event and snapshot in @statelyai/inspect's format, to its own inspector", async () => {
    const { url, received } = await relay();
    const stately = createWebSocketInspector({ url });
    cleanups.push(() => stately.stop());
    const root = createSupervisor({
      id: 'root',
      children: [createService({ id: 'job', minPeriod: 10, iterate() {} })],
      logger: createCapturingLogger(),
    });
    const actor = createActor(root).start();
    cleanups.push(() => actor.stop());
    await reach(actor, 'running');
    const server = await createInspectorServer(actor, {
      stately,
      logger: createCapturingLogger(),
    });
    cleanups.push(() => server.close());

    // Actors that existed before: announced at once, parents first.
    await until(() => received.filter((e) => e.type === '@xstate.actor').length >= 2, 'two actors');
    const actors = received.filter((e) => e.type === '@xstate.actor');
    expect(actors[0]).toMatchObject({
      name: 'root',
      sessionId: actor.sessionId,
      _version: '0.7.2',
    });
    const job = actors.find((e) => e.name === 'job')!;
    expect(job.parentId).toBe(actor.sessionId);
    expect(JSON.parse(job.definition!)).toMatchObject({ id: 'service' });

    actor.send({ type: 'child.restart', id: 'job' });
    await until(
      () => received.some((e) => e.type === '@xstate.snapshot' && e.sessionId === job.sessionId),
      'a snapshot of the job',
    );
    expect(
      received.some((e) => e.type === '@xstate.event' && e.sessionId === actor.sessionId),
    ).toBe(true);
  });

  it("never throws into the user's send(), whatever the events hold", async () => {
    const sent: StatelyInspectionEvent[] = [];
    const app = createMachine({ id: 'app', on: { schedule: {} } });
    const actor = createActor(app).start();
    cleanups.push(() => actor.stop());
    const server = await createInspectorServer(actor, {
      stately: { send: (e) => sent.push(e) },
      logger: createCapturingLogger(),
    });
    cleanups.push(() => server.close());
    const hostile = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    expect(() =>
      actor.send({ type: 'schedule', at: new Date('not a date'), hostile }),
    ).not.toThrow();
    const event = sent.find(
      (e) => e.type === '@xstate.event' && (e.event as { type: string }).type === 'schedule',
    );
    expect(event).toMatchObject({
      event: { at: 'Invalid Date', hostile: { boom: '[unreadable]' } },
    });
  });

  it('serializes errors with message and stack, where Stately would send {}', async () => {
    const app = createMachine({
      id: 'app',
      initial: 'loading',
      states: {
        loading: {
          invoke: {
            src: fromPromise(async () => {
              throw new RangeError('no such page');
            }),
            onError: 'broken',
          },
        },
        broken: {},
      },
    });
    const events: StatelyInspectionEvent[] = [];
    const actor = createActor(app, {
      inspect: (e) => {
        const s = toStatelyEvent(e as Parameters<typeof toStatelyEvent>[0]);
        if (s) events.push(s);
      },
    }).start();
    cleanups.push(() => actor.stop());
    await until(() => actor.getSnapshot().matches('broken'), 'broken');
    const failure = events.find(
      (e) =>
        e.type === '@xstate.event' &&
        (e.event as { type: string }).type.startsWith('xstate.error.actor'),
    )!;
    const error = (failure as { event: { error: Record<string, unknown> } }).event.error;
    expect(error).toMatchObject({ name: 'RangeError', message: 'no such page' });
    expect(String(error.stack)).toContain('RangeError: no such page');
    // And it survives the wire: what Stately's JSON-based serializer would lose.
    expect(JSON.parse(JSON.stringify(failure))).toEqual(failure);
  });
});

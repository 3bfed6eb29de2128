/**
 * The inspector on a whole app, not only a supervision tree: an app machine of yours that
 * boots, then invokes the root supervisor and a callback actor of its own. The inspector shows
 * all of them in one tree, with the app's state value, the services' states and generations,
 * and buttons that reach the control API (token asked for once).
 *
 * It prints the inspector's URL, reads its live feed the way the page does, fails a service
 * and watches it come back, then stops after EXAMPLE_SECONDS (default 3; set it to 600 to
 * keep the page open and look around).
 *
 * Run: EXAMPLE_SECONDS=600 node --import tsx examples/inspector/main.ts
 */
import WebSocket from 'ws';
import { createActor, createMachine, fromCallback } from 'xstate';
import {
  createControlServer,
  createInspectorServer,
  createService,
  createSupervisor,
  silentLogger,
} from '../../src/index.ts';
import type { InspectorNode, ServerMessage } from '../../src/inspector/index.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = Number(process.env.EXAMPLE_SECONDS ?? 3);

const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  maxRestarts: 10,
  logger: silentLogger,
  children: [
    createService({ id: 'poller', minPeriod: 200, iterate() {} }),
    createSupervisor({
      id: 'workers',
      children: [createService({ id: 'mailer', minPeriod: 500, iterate() {} })],
    }),
  ],
});

// Your own machine: the inspector shows it, and what it invokes, under their parent.
const app = createMachine({
  id: 'app',
  initial: 'booting',
  states: {
    booting: { after: { 100: 'serving' } },
    serving: {
      invoke: [
        { id: 'supervision', src: root },
        { id: 'heartbeat', src: fromCallback(() => () => {}) },
      ],
    },
  },
});

const actor = createActor(app).start();
const token = 'example-token';
// The control API commands the supervision tree; the inspector's buttons go through it.
const supervision = await new Promise<ReturnType<typeof actor.getSnapshot>['children'][string]>(
  (resolve) => {
    const sub = actor.subscribe((s) => {
      const child = s.children.supervision;
      if (child) {
        sub.unsubscribe();
        resolve(child);
      }
    });
  },
);
const control = await createControlServer(supervision!, { token, logger: silentLogger });
const inspector = await createInspectorServer(actor, {
  control: { url: control.url, tokenRequired: true, supervisor: supervision! },
  logger: silentLogger,
});
say(`inspector: ${inspector.url} (open it in a browser; the token is "${token}")`);

// What the page sees: the snapshot, then deltas applied on top.
const nodes = new Map<string, InspectorNode>();
const ws = new WebSocket(`${inspector.url.replace(/^http/, 'ws')}ws`);
const seen = new Set<string>();
ws.on('message', (data) => {
  const msg = JSON.parse(String(data)) as ServerMessage;
  if (msg.type === 'snapshot') {
    for (const n of msg.nodes) nodes.set(n.key, n);
    say(`page: snapshot of ${msg.nodes.length} nodes, ${msg.machines.length} machine drawings`);
  } else {
    for (const u of msg.upserts) nodes.set(u.key, { ...nodes.get(u.key), ...u } as InspectorNode);
    for (const t of msg.timeline)
      say(`page: timeline ${t.type} ${t.path.join('/')} (gen ${t.generation})`);
  }
  for (const n of nodes.values()) {
    const line = `page: ${n.kind} ${n.id} is ${n.state}${n.generation !== undefined ? ` gen ${n.generation}` : ''}`;
    if (!seen.has(line)) {
      seen.add(line);
      say(line);
    }
  }
});

setTimeout(async () => {
  // Fail the poller through the inspector, as its "fail" button does.
  const res = await fetch(`${inspector.url}control/services/poller/fail`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  say(`button fail on poller: HTTP ${res.status}`);
}, 500);

setTimeout(async () => {
  ws.close();
  await inspector.close();
  await control.close();
  actor.stop();
  say('example: stopped');
}, seconds * 1_000);

import { describe, expectTypeOf, it } from 'vitest';
import { type EventFromLogic, setup } from 'xstate';
import {
  type ControlClient,
  createControlClient,
  createService,
  createSupervisor,
  getTree,
  type RunHandle,
  run,
  type SupervisorReport,
  type TreeNode,
} from '../../src/index.ts';

// Compile-time checks (`npm test` type-checks test/); the `it` bodies never run a tree.
describe('typed handles', () => {
  it('types the actor of run(supervisor): reports need no cast', () => {
    const typed = () => {
      const handle = run(createSupervisor({ id: 'root' }), { exit: false });
      handle.actor.on('child.restarted', (r) => {
        expectTypeOf(r.path).toEqualTypeOf<readonly string[]>();
        expectTypeOf(r.generation).toEqualTypeOf<number>();
        expectTypeOf(r).toExtend<SupervisorReport>();
      });
      handle.actor.on('*', (r) => {
        expectTypeOf(r.type).toEqualTypeOf<SupervisorReport['type']>();
      });
      // @ts-expect-error not a report type the supervisor emits
      handle.actor.on('child.exploded', () => {});
      // @ts-expect-error commands are a closed union
      handle.actor.send({ type: 'child.explode', id: 'x' });
      handle.actor.send({ type: 'child.restart', id: 'x' });
      expectTypeOf(getTree(handle.actor)).toEqualTypeOf<TreeNode>();
      return handle;
    };
    expectTypeOf(typed).returns.toExtend<RunHandle>();
  });

  it('keeps the typed actor through ready', () => {
    const later = async () => {
      const handle = await run(createSupervisor({ id: 'root' }), { exit: false }).ready;
      handle.actor.on('child.failed', (r) => {
        expectTypeOf(r.reason).toEqualTypeOf<unknown>();
      });
    };
    expectTypeOf(later).toBeFunction();
  });

  it('types a lone service run by its own events', () => {
    const lone = () => {
      const handle = run(createService({ id: 'job', iterate() {} }), { exit: false });
      handle.actor.send({ type: 'service.stop' });
      // @ts-expect-error a service's events are a closed union too
      handle.actor.send({ type: 'child.restart', id: 'x' });
      return handle;
    };
    expectTypeOf(lone).returns.toExtend<RunHandle>();
  });

  it('rejects unknown run() options at compile time', () => {
    const bad = () => {
      // @ts-expect-error a typo is an error
      run(createSupervisor({ id: 'root' }), { shutdownDelai: 5_000 });
      // @ts-expect-error the delay is a number of milliseconds
      run(createSupervisor({ id: 'root' }), { shutdownDelay: '5s' });
    };
    expectTypeOf(bad).toBeFunction();
  });
});

describe('typed control client', () => {
  it('types every command and its answer', () => {
    const client = createControlClient('http://127.0.0.1:9464', { token: 't' });
    expectTypeOf(client.tree).returns.toEqualTypeOf<Promise<TreeNode>>();
    expectTypeOf(client.restart).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(client.restart).returns.toEqualTypeOf<Promise<TreeNode>>();
    expectTypeOf(client.hardReset).returns.toEqualTypeOf<Promise<TreeNode>>();
    expectTypeOf(client.stop).returns.toEqualTypeOf<Promise<TreeNode>>();
    expectTypeOf(client.start).returns.toEqualTypeOf<Promise<TreeNode>>();
    expectTypeOf(client.fail).returns.toEqualTypeOf<Promise<TreeNode>>();
    expectTypeOf(client.perform<{ n: number }>).returns.toEqualTypeOf<Promise<{ n: number }>>();
    const bad = () => {
      // @ts-expect-error an event needs a type
      void client.send('connection', { kind: 'close' });
      // @ts-expect-error the path is a string, as in a report's path.join('/')
      void client.restart(['workers', 'mailer']);
      // @ts-expect-error no such command
      void client.explode('workers');
    };
    expectTypeOf(bad).toBeFunction();
  });

  it("types send by the machine's own events when asked", () => {
    const connection = setup({
      types: {
        events: {} as { type: 'connection.close' } | { type: 'connection.ping'; n: number },
      },
    }).createMachine({});
    type ConnectionEvent = EventFromLogic<typeof connection>;
    const client: ControlClient<ConnectionEvent> =
      createControlClient<ConnectionEvent>('http://127.0.0.1:9464');
    const ok = () => client.send('connection', { type: 'connection.ping', n: 1 });
    const bad = () => {
      // @ts-expect-error not one of the machine's events
      void client.send('connection', { type: 'connection.explode' });
      // @ts-expect-error `n` is a number
      void client.send('connection', { type: 'connection.ping', n: '1' });
    };
    expectTypeOf(ok).returns.toEqualTypeOf<Promise<TreeNode>>();
    expectTypeOf(bad).toBeFunction();
  });
});

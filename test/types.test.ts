import { describe, expectTypeOf, it } from 'vitest';
import { createActor } from 'xstate';
import {
  createService,
  createSupervisor,
  getTree,
  type ServiceContext,
  type SupervisorReport,
  type TreeNode,
} from '../src/index.ts';

// These checks run at compile time (`npm test` type-checks test/); the `it` bodies only make
// vitest list them.
describe('public types', () => {
  it('types the iteration context', () => {
    createService({
      id: 'typed',
      iterate(ctx) {
        expectTypeOf(ctx).toEqualTypeOf<ServiceContext>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(ctx.iteration).toEqualTypeOf<number>();
      },
    });
  });

  it('rejects unknown options and wrong option types at compile time', () => {
    const bad = () => {
      // @ts-expect-error a typo is an error: `minPerod` is not an option
      createService({ id: 'a', iterate() {}, minPerod: 5 });
      // @ts-expect-error restart types are OTP's three
      createService({ id: 'a', iterate() {}, restart: 'sometimes' });
      // @ts-expect-error the body is required
      createService({ id: 'a' });
      // @ts-expect-error strategies are OTP's three
      createSupervisor({ id: 'root', strategy: 'one-for-none' });
      // @ts-expect-error children are machines, not option objects
      createSupervisor({ id: 'root', children: [{ id: 'x' }] });
    };
    expectTypeOf(bad).toBeFunction();
  });

  it('types the emitted reports and the tree', () => {
    const actor = createActor(createSupervisor({ id: 'root' }));
    actor.on('child.restarted', (report) => {
      expectTypeOf(report).toExtend<SupervisorReport>();
      expectTypeOf(report.restarts).toEqualTypeOf<number | undefined>();
      expectTypeOf(report.path).toEqualTypeOf<readonly string[]>();
    });
    expectTypeOf(getTree(actor)).toEqualTypeOf<TreeNode>();
    // @ts-expect-error commands are a closed union
    actor.send({ type: 'child.explode', id: 'x' });
  });
});

/**
 * The program the consumer apps compile and run: a tree whose service fails once and is
 * restarted, read with `getTree()` and shut down, then the type of every export the app
 * imported. It prints one JSON line. The same source is ESM in one app and CommonJS in the
 * other (hence no top-level await).
 */
export const SMOKE_PROGRAM = `import { createActor } from 'xstate';
import { createService, createSupervisor, getTree, shutdown } from 'xstate-supervisor';
import { exportedValues } from './everything.js';

async function main(): Promise<void> {
  let runs = 0;
  const flaky = createService({
    id: 'flaky',
    maxFailures: 0, // the first failure fails the service
    pause: 10,
    iterate() {
      runs += 1;
      if (runs === 1) throw new Error('the first iteration fails');
    },
  });
  const root = createSupervisor({ id: 'root', strategy: 'one-for-one', children: [flaky] });
  const actor = createActor(root);
  const restarted = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no child.restarted within 10 s')), 10_000);
    actor.on('child.restarted', (report) => {
      clearTimeout(timer);
      resolve(report.path.join('/'));
    });
  });
  actor.start();
  const path = await restarted;
  const tree = getTree(actor);
  await shutdown(actor);
  const types: Record<string, string> = {};
  for (const [name, value] of Object.entries(exportedValues)) types[name] = typeof value;
  process.stdout.write(
    \`\${JSON.stringify({
      restarted: path,
      child: tree.children?.[0]?.state,
      afterShutdown: getTree(actor).state,
      types,
    })}\\n\`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  // The tree may still run: exit, so the test gets the failure instead of a hung process.
  process.exit(1);
});
`;

/** What {@link SMOKE_PROGRAM} prints. */
export interface SmokeResult {
  readonly restarted: string;
  readonly child: string;
  readonly afterShutdown: string;
  readonly types: Readonly<Record<string, string>>;
}

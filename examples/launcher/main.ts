/**
 * Drives `xstate-supervisor start` as a user would from a shell: --check on a broken config
 * and on app.yaml, then a real start, the control API's tree, and a SIGTERM.
 *
 * Run: node --import tsx examples/launcher/main.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const say = (line: string) => process.stdout.write(`${line}\n`);
const root = fileURLToPath(new URL('../..', import.meta.url));
// In a project of your own: npx xstate-supervisor start app.yaml (the .ts module needs tsx).
const cli = (args: string[]): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: {
      ...process.env,
      XSTATE_SUPERVISOR_LOG_LEVEL: 'info',
      XSTATE_SUPERVISOR_LOG_FORMAT: 'pretty',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Runs the CLI to its end; resolves with its exit code and output. */
function finish(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = cli(args);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d));
  child.stderr?.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

const broken = await finish(['start', 'examples/launcher/broken.yaml', '--check']);
say(`--- check broken.yaml: exit ${broken.code}`);
say(broken.out.trim());

const checked = await finish(['start', 'examples/launcher/app.yaml', '--check']);
say(`--- check app.yaml: exit ${checked.code}`);
say(checked.out.trim());

say('--- start app.yaml');
const app = cli(['start', 'examples/launcher/app.yaml']);
// Kill it if the story does not end, so the example never hangs.
const guard = setTimeout(() => app.kill('SIGKILL'), 20_000);
let out = '';
const running = new Promise<string>((resolve) => {
  const onData = (d: Buffer) => {
    out += d;
    const url = /running; press Ctrl\+C to stop.*control=(http:\/\/\S+)/.exec(out)?.[1];
    if (url) resolve(url);
  };
  app.stdout?.on('data', onData);
  app.stderr?.on('data', onData);
});
const exited = new Promise<number | null>((resolve) => app.on('close', resolve));
const url = await Promise.race([running, exited.then(() => undefined)]);
if (url === undefined) throw new Error(`the launcher ended before it ran:\n${out}`);
const tree = (await (await fetch(`${url}/tree`)).json()) as {
  id: string;
  children: { id: string; state: string }[];
};
say(`control API: ${tree.id} -> ${tree.children.map((c) => `${c.id} ${c.state}`).join(', ')}`);
app.kill('SIGTERM');
const code = await exited;
clearTimeout(guard);
for (const line of out.split('\n')) {
  if (/: (started|stopped)/.test(line)) say(line);
}
say(`--- exit ${code} after SIGTERM`);

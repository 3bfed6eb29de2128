/**
 * `xstate-supervisor start <config>` as a user runs it: a real Node process per test, real
 * modules (ESM, CommonJS and TypeScript under tsx) in a temp dir, real signals and a real
 * control API. It exits as run() documents: 0 after SIGTERM, 1 when the root fails, 2 for an
 * invalid config; nothing is left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const INDEX = join(ROOT, 'src/index.ts');
let dir: string;

interface Cli {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
  /** Resolves with everything written so far once `text` has been written. */
  output(text: string): Promise<string>;
}

/** Runs the CLI's `start` on `config` (and `flags`); killed after 25 s if it hangs. */
function start(config: string, ...flags: string[]): Cli {
  const cli = ['--import', 'tsx', 'src/cli.ts', 'start', config, ...flags];
  const child = spawn(process.execPath, cli, {
    cwd: ROOT,
    env: {
      ...process.env,
      XSTATE_SUPERVISOR_LOG_LEVEL: 'info',
      XSTATE_SUPERVISOR_LOG_FORMAT: 'pretty',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { text: string; resolve: (out: string) => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      if (out.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(out);
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const guard = setTimeout(() => child.kill('SIGKILL'), 25_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>(
    (resolve) => {
      child.on('close', (code, signal) => {
        clearTimeout(guard);
        resolve({ code, signal, out });
      });
    },
  );
  return {
    child,
    exited,
    output: (text) =>
      Promise.race([
        new Promise<string>((resolve) => {
          waiters.push({ text, resolve });
          onData(Buffer.alloc(0));
        }),
        exited.then((f) => {
          throw new Error(`exited (${f.code}) before writing "${text}":\n${f.out}`);
        }),
      ]),
  };
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The status of a GET of `url` sent with `Host: host` (fetch() cannot set Host). */
function statusAs(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host }, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launcher-process-'));
  const esm = JSON.stringify(pathToFileURL(INDEX).href);
  await writeFile(
    join(dir, 'services.mjs'),
    `import { createService } from ${esm};
export const poller = (id) => createService({
  id,
  pause: 1_000_000,
  onStart() { console.log(id + ': started'); },
  onStop() { console.log(id + ': onStop ran'); },
  iterate() {},
});
export const broken = createService({
  id: 'broken',
  maxFailures: 0,
  iterate() { throw new Error('broken for good'); },
});
`,
  );
  await writeFile(
    join(dir, 'workers.cjs'),
    `const { createService } = require(${JSON.stringify(INDEX)});
module.exports = {
  worker: createService({
    id: 'worker',
    pause: 1_000_000,
    onStart() { console.log('worker (cjs): started'); },
    onStop() { console.log('worker (cjs): onStop ran'); },
    iterate() {},
  }),
};
`,
  );
  // A module that keeps the event loop busy from its import on (a metrics flusher, say).
  await writeFile(
    join(dir, 'busy.mjs'),
    `import { createService } from ${esm};
setInterval(() => {}, 1_000);
export const clock = createService({ id: 'clock', pause: 1_000_000, iterate() {} });
`,
  );
  await writeFile(
    join(dir, 'typed.ts'),
    `import { createService } from ${JSON.stringify(INDEX)};
const id: string = 'typed';
export const typed = createService({ id, pause: 1_000_000, onStart() { console.log('typed (ts): started'); }, iterate() {} });
`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each test starts Node with tsx, slow on a loaded machine: bound them by the guard, not less.
describe('xstate-supervisor start', { timeout: 30_000 }, () => {
  it('runs the tree of ESM, CommonJS and TypeScript modules with replicas and a control API; SIGTERM stops it in reverse order with exit 0', async () => {
    const config = join(dir, 'app.yaml');
    await writeFile(
      config,
      `id: app
strategy: one-for-one
control: { port: 0 }
services:
  - { module: ./services.mjs, export: poller, replicas: 2 }
  - ./workers.cjs#worker
  - ./typed.ts#typed
`,
    );
    const cli = start(config);
    const out = await cli.output('running; press Ctrl+C to stop');
    expect(out).toContain('poller-1: started');
    expect(out).toContain('poller-2: started');
    expect(out).toContain('worker (cjs): started');
    expect(out).toContain('typed (ts): started');
    // The control API of the config answers with the tree.
    const url = /control=(http:\/\/\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    const tree = (await (await fetch(`${url}/tree`)).json()) as {
      id: string;
      children: { id: string }[];
    };
    expect(tree.id).toBe('app');
    expect(tree.children.map((c) => c.id)).toEqual(['poller-1', 'poller-2', 'worker', 'typed']);

    cli.child.kill('SIGTERM');
    const { code, signal, out: all } = await cli.exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(all.indexOf('worker (cjs): onStop ran')).toBeLessThan(
      all.indexOf('poller-2: onStop ran'),
    );
    expect(all.indexOf('poller-2: onStop ran')).toBeLessThan(all.indexOf('poller-1: onStop ran'));
    expect(all).toContain('shutdown complete');
    expect(isAlive(cli.child.pid)).toBe(false);
  });

  it("serves the inspector to the config's allowedHosts and refuses other Host names", async () => {
    const config = join(dir, 'hosts.yaml');
    await writeFile(
      config,
      'inspector: { port: 0, allowedHosts: [app.internal] }\nservices: [./workers.cjs#worker]\n',
    );
    const cli = start(config);
    const out = await cli.output('running; press Ctrl+C to stop');
    const url = /inspector=(http:\/\/\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(await statusAs(url!, 'app.internal')).toBe(200);
    expect(await statusAs(url!, 'evil.example')).toBe(403);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });

  it('exits 1 when the root fails (its restart intensity is exceeded), as run() does', async () => {
    const config = join(dir, 'failing.json');
    await writeFile(
      config,
      JSON.stringify({ maxRestarts: 0, services: ['./services.mjs#broken'] }),
    );
    const { code, out } = await start(config).exited;
    expect(out).toContain('the root failed; exiting with code 1');
    expect(code).toBe(1);
  });

  it('exits 2 with the problems of an invalid config and starts nothing', async () => {
    const config = join(dir, 'invalid.yaml');
    await writeFile(config, 'services:\n  - ./services.mjs#poler\n');
    const { code, out } = await start(config).exited;
    expect(code).toBe(2);
    expect(out).toContain('services[0]: ./services.mjs#poler: the module has no export "poler"');
    expect(out).not.toContain('started');
  });

  it('exits 0 by itself after --check, though a loaded module keeps a timer running', async () => {
    const config = join(dir, 'busy.yaml');
    await writeFile(config, 'services:\n  - ./busy.mjs#clock\n');
    const { code, signal, out } = await start(config, '--check').exited;
    expect(signal).toBeNull(); // not the guard's SIGKILL
    expect(code).toBe(0);
    expect(out).toContain(`${config}: ok`);
    expect(out).toContain('clock  service  ./busy.mjs#clock');
  });

  it('exits 2 by itself for an invalid config whose other modules loaded and keep a timer running', async () => {
    const config = join(dir, 'busy-invalid.yaml');
    await writeFile(config, 'services:\n  - ./busy.mjs#clock\n  - ./busy.mjs#clok\n');
    for (const flags of [['--check'], []]) {
      const { code, signal, out } = await start(config, ...flags).exited;
      expect(signal).toBeNull();
      expect(code).toBe(2);
      expect(out).toContain('services[1]: ./busy.mjs#clok: the module has no export "clok"');
    }
  });
});

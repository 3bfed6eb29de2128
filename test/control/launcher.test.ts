/**
 * `xstate-supervisor start <config> --check`: real config files and modules in a temp dir,
 * the CLI run in-process through main(). Every mistake names the file, the key, what was
 * expected and what was found; a valid file prints the tree it makes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.ts';

const INDEX = pathToFileURL(join(process.cwd(), 'src/index.ts')).href;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launcher-'));
  await writeFile(
    join(dir, 'services.mjs'),
    `import { createService, createSupervisor } from ${JSON.stringify(INDEX)};
export const clock = createService({ id: 'clock', iterate() {} });
export const poller = (id) => createService({ id, iterate() {} });
export const wrongId = (id) => createService({ id: 'fixed', iterate() {} });
export const workers = createSupervisor({ id: 'workers', children: [] });
export const notAMachine = { id: 'x' };
export default (id) => createService({ id, iterate() {} });
`,
  );
  await writeFile(join(dir, 'plain.cjs'), 'exports.answer = 42;\n');
  // Exports that happen to share the names of a load problem's fields.
  await writeFile(
    join(dir, 'fields.mjs'),
    `import { createService } from ${JSON.stringify(INDEX)};
export const code = 'E_OWN';
export const key = 'k';
export const expected = 'whatever';
export const clock = createService({ id: 'clock', iterate() {} });
`,
  );
  await writeFile(join(dir, 'throws.mjs'), "throw new Error('boom at import');\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `name` into the temp dir and runs `start <it> --check`. */
async function check(name: string, text: string, env: Record<string, string> = {}) {
  const file = join(dir, name);
  await writeFile(file, text);
  return { file, ...(await runCli(['start', file, '--check'], env)) };
}

describe('start --check with a valid config', () => {
  it('prints the tree of a YAML config, replicas numbered from 1, and exits 0', async () => {
    const { code, out, err } = await check(
      'app.yaml',
      `id: app
strategy: one-for-one
maxRestarts: 5
restartWindow: 10000
control: { port: 0 }
inspector: { port: 0, title: My app }
services:
  - ./services.mjs#clock
  - module: ./services.mjs
    export: poller
    replicas: 3
  - ./services.mjs#workers
`,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('app.yaml: ok');
    expect(out).toContain('root "app": one-for-one, maxRestarts 5, restartWindow 10000 ms');
    const ids = out
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(ids).toEqual(['clock', 'poller-1', 'poller-2', 'poller-3', 'workers']);
    expect(out).toContain('  workers  supervisor  ./services.mjs#workers');
    expect(out).toContain('control API: 127.0.0.1:0');
    expect(out).toContain('inspector: 127.0.0.1:0');
  });

  it('reads JSON, an absolute module path, and a default-exported factory with an id', async () => {
    const { code, out, err } = await check(
      'app.json',
      JSON.stringify({
        services: [
          { module: join(dir, 'services.mjs'), export: 'default', id: 'job', replicas: 2 },
        ],
      }),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('root "root": one-for-all (default)');
    expect(out).toContain('  job-1  service');
    expect(out).toContain('  job-2  service');
  });

  it('loads a module that exports code, key and expected like any other', async () => {
    const { code, out, err } = await check('fields.yaml', 'services: [./fields.mjs#clock]\n');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('  clock  service  ./fields.mjs#clock');
  });

  it('takes allowedHosts for the inspector as for the control API, and prints them', async () => {
    const { code, out, err } = await check(
      'hosts.yaml',
      `control: { port: 0, allowedHosts: [control.internal] }
inspector: { port: 0, allowedHosts: [app.internal, localhost.test] }
services: [./services.mjs#clock]
`,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('control API: 127.0.0.1:0, also as control.internal');
    expect(out).toContain('inspector: 127.0.0.1:0, also as app.internal, localhost.test');
  });

  it('reads the control token from the environment variable tokenEnv names, never from the file', async () => {
    const text = 'control: { port: 0, tokenEnv: APP_TOKEN }\nservices: [./services.mjs#clock]\n';
    const ok = await check('token.yaml', text, { APP_TOKEN: 's3cret' });
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('control API: 127.0.0.1:0 (token)');
    const missing = await check('token.yaml', text, {});
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(
      'control.tokenEnv: names the environment variable APP_TOKEN, which is not set',
    );
  });
});

describe('start --check with mistakes', () => {
  it('names every bad key of the file in one answer, with did-you-mean, expected and received; exit 2', async () => {
    const { file, code, out, err } = await check(
      'typos.yaml',
      `strateg: one-for-one
maxRestarts: -1
control: { port: 99999, hots: 127.0.0.1 }
services:
  - module: ./services.mjs
    export: poller
    replica: 2
`,
    );
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`${file} is not a valid launcher config (5 problems)`);
    expect(err).toContain('strateg: unknown key; did you mean "strategy"?');
    expect(err).toContain('maxRestarts: expected an integer >= 0, got `-1` (number)');
    expect(err).toContain(
      'control.port: expected an integer from 0 to 65535, got `99999` (number)',
    );
    expect(err).toContain('control.hots: unknown key; did you mean "control.host"?');
    expect(err).toContain('services[0].replica: unknown key; did you mean "services[0].replicas"?');
  });

  it('names a missing export (listing the exports), a missing module, a value that is no machine, and a throwing module', async () => {
    const { code, err } = await check(
      'modules.yaml',
      `services:
  - ./services.mjs#pollr
  - ./nowhere.mjs#x
  - ./services.mjs#notAMachine
  - ./plain.cjs#answer
  - ./throws.mjs#x
`,
    );
    expect(code).toBe(2);
    expect(err).toContain('(5 problems)');
    expect(err).toMatch(
      /services\[0\]: \.\/services\.mjs#pollr: the module has no export "pollr" \(its exports: .*poller/,
    );
    expect(err).toContain(
      `services[1]: module "./nowhere.mjs" not found: no file ${join(dir, 'nowhere.mjs')}`,
    );
    expect(err).toContain(
      'services[2]: ./services.mjs#notAMachine is `{"id":"x"}` (object); expected a service or supervisor machine',
    );
    expect(err).toContain('services[3]: ./plain.cjs#answer is `42` (number)');
    expect(err).toContain('services[4]: module "./throws.mjs" failed to load: boom at import');
  });

  it('refuses replicas of a machine (its id is fixed) and a factory that ignores its id', async () => {
    const { code, err } = await check(
      'replicas.yaml',
      `services:
  - { module: ./services.mjs, export: clock, replicas: 2 }
  - { module: ./services.mjs, export: wrongId }
`,
    );
    expect(code).toBe(2);
    expect(err).toContain(
      'services[0].replicas: ./services.mjs#clock is the machine "clock", whose id is fixed; for replicas or another id, export a function (id, index)',
    );
    expect(err).toContain('returned for id "wrongId" with id "fixed"');
  });

  it('refuses allowedHosts of the inspector or the control API that are not a list of non-empty host names', async () => {
    const { code, err } = await check(
      'bad-hosts.yaml',
      `control: { port: 0, allowedHosts: [''] }
inspector: { port: 0, allowedHosts: app.internal }
services: [./services.mjs#clock]
`,
    );
    expect(code).toBe(2);
    expect(err).toContain('(2 problems)');
    expect(err).toContain(
      'control.allowedHosts: expected a list of non-empty host names, e.g. [app.internal], got `[""]` (array)',
    );
    expect(err).toContain(
      'inspector.allowedHosts: expected a list of non-empty host names, e.g. [app.internal], got `"app.internal"` (string)',
    );
    const numbers = await check(
      'number-hosts.yaml',
      'inspector: { port: 0, allowedHosts: [1] }\nservices: [./services.mjs#clock]\n',
    );
    expect(numbers.code).toBe(2);
    expect(numbers.err).toContain(
      'inspector.allowedHosts: expected a list of non-empty host names',
    );
  });

  it('refuses two children with one id', async () => {
    const { code, err } = await check(
      'twice.yaml',
      'services: [./services.mjs#clock, ./services.mjs#clock]\n',
    );
    expect(code).toBe(2);
    expect(err).toContain('services: the id "clock" is used twice');
  });

  it('says what is wrong with a file that is not YAML, not JSON, missing, empty of services, or of another type', async () => {
    expect((await check('broken.yaml', 'services: [a\n')).err).toContain('not valid YAML');
    expect((await check('broken.json', '{"services": ')).err).toContain('not valid JSON');
    const toml = await check('app.toml', 'services = []');
    expect(toml.code).toBe(2);
    expect(toml.err).toContain('expected a .json, .yaml or .yml file');
    const none = await check('none.yaml', 'id: app\n');
    expect(none.err).toContain('services: expected a non-empty list');
    const missing = await runCli(['start', join(dir, 'absent.yaml'), '--check'], {});
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read the file (ENOENT)');
  });

  it('answers a start without a config file, or --check on another command, with a usage error', async () => {
    const bare = await runCli(['start'], {});
    expect(bare.code).toBe(2);
    expect(bare.err).toContain(
      'Usage: xstate-supervisor start <config.json|config.yaml> [--check]',
    );
    const misplaced = await runCli(['tree', '--check', '--url', 'http://127.0.0.1:1'], {});
    expect(misplaced.code).toBe(2);
    expect(misplaced.err).toContain('--check goes with start only.');
    const url = await runCli(['start', 'app.yaml', '--url', 'http://127.0.0.1:1'], {});
    expect(url.code).toBe(2);
    expect(url.err).toContain('start takes no --url: the tree runs here');
  });
});

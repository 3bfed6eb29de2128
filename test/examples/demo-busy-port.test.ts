import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startNode } from '../helpers/node-process.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Holds a port on 127.0.0.1, as another program would. */
async function occupy(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('the npm start demo on busy ports', () => {
  it('takes the next free port for the inspector and the control API, says so, and still exits 0', async () => {
    const inspectorPort = await occupy();
    const controlPort = await occupy();
    const app = startNode('examples/demo/main.ts', {
      DEMO_TICK: '50',
      DEMO_FLAKY_RATE: '0',
      DEMO_INSPECTOR_PORT: String(inspectorPort),
      DEMO_CONTROL_PORT: String(controlPort),
    });
    await app.output('control API: http://');
    app.child.kill('SIGINT');
    const { code, stdout } = await app.exited;
    expect(stdout).toMatch(new RegExp(`inspector: port ${inspectorPort} is in use; taking \\d+`));
    expect(stdout).toMatch(new RegExp(`control API: port ${controlPort} is in use; taking \\d+`));
    const taken = Number(
      new RegExp(`port ${inspectorPort} is in use; taking (\\d+)`).exec(stdout)?.[1],
    );
    expect(stdout).toContain(`inspector: http://127.0.0.1:${taken}/`);
    expect(stdout).toContain('demo: stopped (signal, exit code 0)');
    expect(code).toBe(0);
  });
});

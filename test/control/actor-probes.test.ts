/**
 * /readyz and /metrics over a tree with supervised actors (kind: 'actor').
 */

import { describe, expect, it } from 'vitest';
import { createActor, setup } from 'xstate';
import { createTreeMetrics } from '../../src/control/metrics.ts';
import { readyz } from '../../src/control/routes.ts';
import { createSupervisor, shutdown, supervise } from '../../src/index.ts';
import { createCapturingLogger } from '../helpers/capture-logger.ts';
import { nextReport, reach } from '../helpers/supervisor.ts';

const db = setup({}).createMachine({ id: 'db', initial: 'up', states: { up: {} } });

describe('probes over supervised actors', () => {
  it('counts a permanent actor that is not running as not ready, and exports its series', async () => {
    const root = createSupervisor({
      id: 'root',
      strategy: 'one-for-one',
      logger: createCapturingLogger(),
      children: [db, supervise(db, { id: 'temp', restart: 'temporary' })],
    });
    const actor = createActor(root).start();
    await reach(actor, 'running');
    expect(readyz(actor)).toEqual({ ready: true, notRunning: [] });
    const stopped = nextReport(actor, 'child.stopped', (r) => r.id === 'db');
    actor.send({ type: 'child.stop', id: 'db' });
    await stopped;
    const stoppedTemp = nextReport(actor, 'child.stopped', (r) => r.id === 'temp');
    actor.send({ type: 'child.stop', id: 'temp' });
    await stoppedTemp;
    expect(readyz(actor)).toEqual({ ready: false, notRunning: ['db'] });
    const metrics = createTreeMetrics(actor);
    const text = await metrics.scrape();
    metrics.dispose();
    expect(text).toContain('xstate_supervisor_state{path="db",kind="actor",state="stopped"} 1');
    expect(text).toContain('xstate_supervisor_generation{path="db",kind="actor"} 0');
    await shutdown(actor);
  });
});

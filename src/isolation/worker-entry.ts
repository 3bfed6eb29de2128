/**
 * The code run inside a worker-thread service's thread: load the user's module, run
 * `onThreadStart`, then run `iterate` whenever the main side asks, and `onThreadStop` on a
 * graceful stop. The main side owns the pacing, the failure count and the lifecycle; this side
 * only runs the user's functions and reports back. Internal: started by `worker-thread.ts`.
 */
import { type MessagePort, parentPort, threadId, workerData } from 'node:worker_threads';
import {
  type FromThread,
  type ThreadBoot,
  type ToThread,
  toWire,
  type WorkerThreadContext,
  type WorkerThreadModule,
} from './worker-protocol.ts';

const ABORTED = new DOMException('The service is stopping.', 'AbortError');

function send(port: MessagePort, message: FromThread): void {
  port.postMessage(message);
}

function makeContext(port: MessagePort, boot: ThreadBoot, controller: AbortController) {
  let iteration = 0;
  const ctx: WorkerThreadContext = {
    id: boot.id,
    generation: boot.generation,
    threadId,
    workerData: boot.data,
    get iteration() {
      return iteration;
    },
    get signal() {
      return controller.signal;
    },
    stop: () => send(port, { t: 'ctx-stop' }),
    fail: (error?: unknown) =>
      send(port, { t: 'fail', error: toWire(error ?? 'ctx.fail() called') }),
  };
  return {
    ctx,
    setIteration(n: number) {
      iteration = n;
    },
  };
}

async function load(boot: ThreadBoot): Promise<WorkerThreadModule> {
  let mod: Partial<WorkerThreadModule>;
  try {
    mod = (await import(boot.module)) as Partial<WorkerThreadModule>;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`could not load module ${boot.module}: ${why}`);
  }
  if (typeof mod.iterate !== 'function') {
    throw new Error(
      `module ${boot.module} does not export an \`iterate\` function (exports: ${Object.keys(mod).join(', ') || 'none'})`,
    );
  }
  return mod as WorkerThreadModule;
}

async function main(port: MessagePort, boot: ThreadBoot): Promise<void> {
  const controller = new AbortController();
  const { ctx, setIteration } = makeContext(port, boot, controller);
  let mod: WorkerThreadModule;
  try {
    mod = await load(boot);
  } catch (e) {
    send(port, { t: 'start-failed', error: toWire(e) });
    port.close();
    return;
  }
  try {
    await mod.onThreadStart?.(ctx);
  } catch (e) {
    const error = toWire(e);
    send(port, {
      t: 'start-failed',
      error: { ...error, message: `onThreadStart threw: ${error.message}` },
    });
    port.close();
    return;
  }
  port.on('message', (message: ToThread) => {
    switch (message.t) {
      case 'iterate': {
        setIteration(message.iteration);
        void (async () => {
          try {
            await mod.iterate(ctx);
            send(port, { t: 'done' });
          } catch (e) {
            send(port, { t: 'error', error: toWire(e) });
          }
        })();
        return;
      }
      case 'abort':
        controller.abort(ABORTED);
        return;
      case 'stop': {
        controller.abort(ABORTED);
        void (async () => {
          try {
            await mod.onThreadStop?.(ctx);
            send(port, { t: 'stopped' });
          } catch (e) {
            send(port, { t: 'stopped', error: toWire(e) });
          }
          port.close();
        })();
        return;
      }
    }
  });
  send(port, { t: 'ready', threadId });
}

if (parentPort) await main(parentPort, workerData as ThreadBoot);

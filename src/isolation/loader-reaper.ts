/**
 * The child processes of a worker thread's module loader, ended and reaped before the thread
 * goes. Internal.
 *
 * Why: a thread that loads TypeScript registers tsx, whose hooks run on a hooks thread of that
 * worker (Node 20), and tsx's esbuild starts its service process from there, at the first file
 * it transforms (always, with a cold cache). That process is a child of this process, but only
 * the hooks thread waits for it: when the worker ends, the hooks thread ends with it, esbuild
 * sees its stdin close and exits, and nobody reaps it. One zombie per thread generation
 * (issue 11, defect 21; decision 0044). So a small hooks module, registered before tsx in the
 * same hooks thread, keeps a list of the processes that thread spawns, and kills and reaps them
 * on request: from the main side before it terminates the worker, and from the worker itself
 * when it exits on its own.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';

/**
 * The hooks module, run in the thread's hooks thread. It only has `initialize`, so it changes
 * no resolution and no loading. `child_process.spawn` is wrapped there (esbuild calls it as a
 * property of the module, at the first transform, after this module has run); each request on
 * `main` or `own` kills what is alive and answers once every one of them has exited, that is,
 * once Node has reaped it.
 */
const HOOKS = `
import childProcess from 'node:child_process';
const live = new Set();
const spawn = childProcess.spawn;
childProcess.spawn = function spawnTracked(...args) {
  const child = spawn.apply(this, args);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
};
function reap() {
  return Promise.all([...live].map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    try { child.kill('SIGKILL'); } catch {}
  })));
}
export function initialize({ main, own, flag }) {
  main.on('message', () => reap().then(() => main.postMessage('reaped')));
  own.on('message', () => reap().then(() => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); }));
  own.unref();
  main.postMessage('ready');
}
`;

/** How long a thread exiting on its own waits for its loader's processes to be reaped. */
const EXIT_REAP_WAIT = 500;

/** @internal The hooks module above, as the URL `module.register()` takes. */
export const LOADER_HOOKS_URL = `data:text/javascript,${encodeURIComponent(HOOKS)}`;

/**
 * @internal The part of the thread's bootstrap (CommonJS, run before tsx is registered) that
 * registers the hooks module and reaps the loader's processes when the thread exits on its own
 * (`process.exit`, an uncaught error, the end of its work): the exit handler cannot await, so
 * it asks the hooks thread and blocks on `Atomics.wait`, for at most `EXIT_REAP_WAIT` ms.
 * Defines `reapLoaderOnExit({ url, port })`.
 */
export const REAP_ON_EXIT = `
function reapLoaderOnExit({ url, port }) {
  const { register } = require('node:module');
  const { MessageChannel } = require('node:worker_threads');
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const own = new MessageChannel();
  register(url, { data: { main: port, own: own.port2, flag }, transferList: [port, own.port2] });
  own.port1.unref();
  process.once('exit', () => {
    Atomics.store(flag, 0, 0);
    own.port1.postMessage('reap');
    Atomics.wait(flag, 0, 0, ${EXIT_REAP_WAIT});
  });
}
`;

/** What the thread is given to reach its loader's hooks module (in `ThreadBoot`). Not exported from the package. */
export interface LoaderBoot {
  /** {@link LOADER_HOOKS_URL}. */
  readonly url: string;
  /** The hooks thread's end of the main side's line; transferred with the Worker's data. */
  readonly port: MessagePort;
}

/**
 * The main side's line to one thread's loader hooks: `reap()` before terminating the thread.
 * Never keeps the event loop alive. @internal
 */
export class LoaderLink {
  /** For the thread: pass it in `workerData` and in the Worker's `transferList`. */
  readonly boot: LoaderBoot;
  private readonly port: MessagePort;
  private ready = false;
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.boot = { url: LOADER_HOOKS_URL, port: port2 };
    port1.on('message', (m: unknown) => {
      if (m === 'ready') this.ready = true;
      else if (m === 'reaped') this.settle();
    });
    // The hooks thread ends with the worker: its end of the line closes.
    port1.once('close', () => {
      this.closed = true;
      this.settle();
    });
    port1.unref();
  }

  /**
   * Kills the loader's processes and resolves once they are reaped, the hooks thread is gone,
   * or `timeout` ms have passed. At once when the hooks module never said it was there (the
   * thread had not got that far: nothing can have been spawned yet).
   */
  reap(timeout: number): Promise<void> {
    if (!this.ready || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
      this.port.postMessage('reap');
    });
  }

  /** Closes the main side's end, once the thread is gone. */
  close(): void {
    this.closed = true;
    this.port.close();
    this.settle();
  }

  private settle(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

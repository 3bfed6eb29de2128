/**
 * One running child process of a process service: how it is launched (fork, spawn or a
 * `node:cluster` worker), its output forwarded line by line, the tail of its stderr, its exit,
 * and a bounded stop (SIGTERM, then SIGKILL). Internal.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../core/logger.ts';
import type { ResolvedProcessOptions } from './process-options.ts';

/** How a child ended. @internal */
export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * How long to wait for the pipes to drain after an exit, so the output forwarded and the
 * stderr tail are complete. They drain within milliseconds, later on a loaded machine; only a
 * grandchild that inherited them keeps them open for good, hence a bound.
 */
const CLOSE_WAIT_MS = 2_000;

function launch(opts: ResolvedProcessOptions): ChildProcess {
  const env = opts.env as NodeJS.ProcessEnv | undefined;
  const cwd = opts.cwd;
  if (opts.mode === 'spawn') {
    return spawn(opts.target, [...opts.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env ? { env } : {}),
      ...(cwd ? { cwd } : {}),
    });
  }
  if (opts.mode === 'fork') {
    return fork(opts.target, [...opts.args], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [...opts.execArgv],
      ...(env ? { env } : {}),
      ...(cwd ? { cwd } : {}),
    });
  }
  // setupPrimary is global to the cluster module: set it right before each fork (synchronous).
  cluster.setupPrimary({
    exec: opts.target,
    args: [...opts.args],
    execArgv: [...opts.execArgv],
    silent: true,
    ...(cwd ? { cwd } : {}),
  });
  return cluster.fork(env ?? {}).process;
}

/** A running (or exited) child process. @internal */
export class ProcessHandle {
  readonly child: ChildProcess;
  /** Resolves once the child has exited (and its pipes drained, briefly). */
  readonly exited: Promise<ProcessExit>;
  exit: ProcessExit | undefined;
  private readonly tail: string[] = [];
  private readonly tailSize: number;

  private constructor(child: ChildProcess, tailSize: number) {
    this.child = child;
    this.tailSize = tailSize;
    this.exited = new Promise((resolve) => {
      child.once('exit', (exitCode, signal) => {
        const done = () => {
          this.exit = { exitCode, signal };
          resolve(this.exit);
        };
        if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) {
          done();
          return;
        }
        const timer = setTimeout(done, CLOSE_WAIT_MS);
        child.once('close', () => {
          clearTimeout(timer);
          done();
        });
      });
    });
  }

  /**
   * Launches the child and resolves once it has spawned; rejects with the system error
   * (`ENOENT`, `EACCES`, ...) when it could not be.
   */
  static start(
    opts: ResolvedProcessOptions,
    log: () => Logger,
    prefix: string,
  ): Promise<ProcessHandle> {
    let child: ChildProcess;
    try {
      child = launch(opts);
    } catch (error) {
      return Promise.reject(error);
    }
    const handle = new ProcessHandle(child, opts.stderrTail);
    handle.forward(
      child.stdout,
      (line) => log().info({ pid: child.pid, stream: 'stdout' }, line),
      prefix,
    );
    handle.forward(
      child.stderr,
      (line) => log().warn({ pid: child.pid, stream: 'stderr' }, line),
      prefix,
      true,
    );
    return new Promise((resolve, reject) => {
      const onSpawn = () => {
        child.off('error', onError);
        // Later errors (a failed kill, an IPC write) are logged, never thrown.
        child.on('error', (err) =>
          log().warn({ err, pid: child.pid }, `${prefix} child process error`),
        );
        resolve(handle);
      };
      const onError = (err: Error) => {
        child.off('spawn', onSpawn);
        reject(err);
      };
      child.once('spawn', onSpawn);
      child.once('error', onError);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderrTail(): readonly string[] {
    return [...this.tail];
  }

  get alive(): boolean {
    return (
      this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  private forward(
    stream: Readable | null,
    write: (line: string) => void,
    prefix: string,
    keepTail = false,
  ): void {
    if (!stream) return;
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      if (keepTail && this.tailSize > 0) {
        this.tail.push(line);
        if (this.tail.length > this.tailSize) this.tail.shift();
      }
      write(`${prefix} ${line}`);
    });
  }

  /**
   * Stops the child: SIGTERM at once, SIGKILL at `killAt`, and gives up waiting at `giveUpAt`
   * (times from `performance.now()`); never hangs.
   */
  async stop(killAt: number, giveUpAt: number): Promise<ProcessExit | undefined> {
    if (!this.alive) return this.exit ?? (await this.exited);
    this.signal('SIGTERM');
    const termWait = Math.max(0, killAt - performance.now());
    const exit = await within(this.exited, termWait);
    if (exit) return exit;
    this.signal('SIGKILL');
    // A SIGKILL cannot be ignored: wait a little for the exit, so no zombie stays unreaped.
    return within(this.exited, Math.max(50, giveUpAt - performance.now()));
  }

  /** Kills the child at once (SIGKILL), without waiting. */
  kill(): void {
    if (this.alive) this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      this.child.kill(sig);
    } catch {
      // Already gone (ESRCH): its exit event follows.
    }
  }
}

/** The promise's value, or undefined after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/**
 * What the PostgreSQL and Redis queues share about a leased job: its settle-once state, the
 * signal that tells its handler the lease is lost, and the keeper that extends every lease a
 * process holds and declares one lost when the server gave it away or it ran out unextended.
 */
import { toError, XstateSupervisorError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Lease } from '../kinds/durable-queue.ts';
import { Ticker } from './abortable.ts';

/**
 * Why a lease was lost: `expired`, it could not be extended before it ran out (the server did
 * not answer: a dropped connection, a partition); `taken`, the server no longer has it as ours
 * (it expired there and the job went back to the queue, or another worker holds it).
 */
export type LeaseLostReason = 'expired' | 'taken';

/**
 * A job's lease was lost while its handler ran (`code` `DURABLE_LEASE_LOST`): the reason of
 * the handler's `ctx.signal`, and the handler's outcome for the worker (a failure, counted
 * toward `maxFailures`). The job is not completed or failed by this process: the server
 * delivers it again, perhaps to another replica already, so the handler must stop.
 *
 * @example
 * ```ts
 * async handle(job, ctx) {
 *   await charge(job, { signal: ctx.signal });
 *   // ctx.signal.reason instanceof DurableLeaseLostError: another replica may run the job now
 * }
 * ```
 */
export class DurableLeaseLostError extends XstateSupervisorError {
  /** The queue's name. */
  readonly queue: string;
  /** The job's id in the server. */
  readonly jobId: string;
  /** `expired` (not extended in time) or `taken` (the server gave the job away). */
  readonly reason: LeaseLostReason;
  constructor(queue: string, jobId: string, reason: LeaseLostReason, lease: number) {
    const why =
      reason === 'expired'
        ? `it could not be extended within its ${lease} ms (the server did not answer)`
        : 'the server no longer holds it for this worker (it ran out there, or another worker took the job)';
    super(
      'DURABLE_LEASE_LOST',
      `The lease of job ${jobId} of queue "${queue}" is lost: ${why}. The job will be delivered again, perhaps to another replica; its handler was told to stop.`,
    );
    this.queue = queue;
    this.jobId = jobId;
    this.reason = reason;
  }
}

/**
 * A held job: settles once, aborts `signal` when lost; a lost lease settles without touching
 * the server (the job is no longer ours to complete, fail or hand back). @internal
 */
export abstract class KeptLease<T> implements Lease<T> {
  readonly id: string;
  readonly task: T;
  readonly attempt: number;
  private readonly lost = new AbortController();
  private settled = false;
  private deadline: NodeJS.Timeout | undefined;
  private readonly keeper: LeaseKeeper;

  constructor(keeper: LeaseKeeper, id: string, task: T, attempt: number) {
    this.keeper = keeper;
    this.id = id;
    this.task = task;
    this.attempt = attempt;
  }

  /** Aborted, with a {@link DurableLeaseLostError}, once the lease is lost. */
  get signal(): AbortSignal {
    return this.lost.signal;
  }

  /** Completes the job in the server (the lease is ours). */
  protected abstract doComplete(): Promise<void>;
  /** Fails the attempt in the server. */
  protected abstract doFail(error: Error): Promise<void>;
  /** Hands the job back in the server. */
  protected abstract doRelease(): Promise<void>;
  /** Called once when the lease is lost (after `signal` aborted). */
  protected onLost(): void {}

  /** The server set (or extended) the lease no later than `at` (`Date.now()` time). @internal */
  renewed(at: number): void {
    if (this.settled) return;
    clearTimeout(this.deadline);
    const left = Math.max(0, at + this.keeper.lease - Date.now());
    this.deadline = setTimeout(() => this.lose('expired'), left);
    this.deadline.unref();
  }

  /** The lease is lost: abort the signal, stop keeping it. @internal */
  lose(reason: LeaseLostReason): void {
    if (this.settled) return;
    this.settle();
    const error = new DurableLeaseLostError(this.keeper.queue, this.id, reason, this.keeper.lease);
    this.keeper.logger.warn(
      { job: this.id, reason },
      `lease lost: ${error.message} (make handlers idempotent)`,
    );
    this.lost.abort(error);
    this.onLost();
  }

  private settle(): void {
    if (this.settled) {
      throw new Error(`The lease of job ${this.id} was already settled; settle a lease once.`);
    }
    this.settled = true;
    clearTimeout(this.deadline);
    this.keeper.drop(this);
  }

  /** Rejects with the lost error when the lease was lost: the job was not completed here. */
  complete(): Promise<void> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    this.settle();
    return this.doComplete();
  }

  /** Rejects with the lost error when the lease was lost: the attempt was not failed here. */
  fail(error: Error): Promise<void> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    this.settle();
    return this.doFail(error);
  }

  /** Nothing to hand back once the lease was lost (the server has the job again). */
  release(): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    this.settle();
    return this.doRelease();
  }

  async extend(): Promise<void> {
    if (this.signal.aborted) throw this.signal.reason;
    if (this.settled) return;
    await this.keeper.extendNow([this]);
    if (this.signal.aborted) throw this.signal.reason;
  }
}

/** What a keeper needs of its queue. @internal */
export interface LeaseKeeperOptions {
  readonly queue: string;
  /** The lease, ms. */
  readonly lease: number;
  readonly logger: Logger;
  /** Extends these leases in the server; resolves with the ids it still holds for us. */
  readonly extend: (leases: KeptLease<unknown>[]) => Promise<Set<string>>;
}

/**
 * The leases a process holds: extended every third of the lease; each lost when the server
 * says it is not ours, or when it was not extended before it ran out. @internal
 */
export class LeaseKeeper {
  readonly queue: string;
  readonly lease: number;
  readonly logger: Logger;
  private readonly held = new Set<KeptLease<unknown>>();
  private readonly extendFn: LeaseKeeperOptions['extend'];
  private readonly ticker: Ticker;

  constructor(o: LeaseKeeperOptions) {
    this.queue = o.queue;
    this.lease = o.lease;
    this.logger = o.logger;
    this.extendFn = o.extend;
    this.ticker = new Ticker(Math.max(1, Math.floor(o.lease / 3)), () => this.extendHeld());
  }

  /** Keeps `lease`, set by the server no earlier than `since` (`Date.now()` time). */
  hold(lease: KeptLease<unknown>, since: number): void {
    this.held.add(lease);
    lease.renewed(since);
  }

  /** Stops keeping `lease` (settled or lost). */
  drop(lease: KeptLease<unknown>): void {
    this.held.delete(lease);
  }

  get size(): number {
    return this.held.size;
  }

  start(): void {
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
  }

  /** Extends `leases` now; rejects when the server cannot be asked. */
  async extendNow(leases: KeptLease<unknown>[]): Promise<void> {
    const sent = Date.now();
    const kept = await this.extendFn(leases);
    for (const l of leases) {
      if (!this.held.has(l)) continue;
      if (kept.has(l.id)) l.renewed(sent);
      else l.lose('taken');
    }
  }

  private async extendHeld(): Promise<void> {
    const leases = [...this.held];
    if (leases.length === 0) return;
    try {
      await this.extendNow(leases);
    } catch (e) {
      this.logger.warn(
        { err: toError(e), held: leases.length },
        `could not extend ${leases.length} lease(s); their handlers are told to stop if the server does not answer within ${this.lease} ms of the last extension`,
      );
    }
  }
}

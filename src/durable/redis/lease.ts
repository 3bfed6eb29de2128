/**
 * A job of the Redis queue while a taker holds it: BullMQ runs it in its processor, whose
 * promise this lease settles (complete, fail), or hands back to the wait list (release).
 * Internal: the queue builds them.
 */
import { type Job, WaitingError } from 'bullmq';
import type { Lease } from '../../kinds/durable-queue.ts';

/** The job's payload as stored: the task, and a nonce telling our add from a duplicate's. */
export interface StoredJob<T> {
  task: T;
  nonce: string;
}

/** A held job of the Redis queue; settles once. @internal */
export class BullLease<T> implements Lease<T> {
  readonly id: string;
  readonly task: T;
  readonly attempt: number;
  private settled = false;
  private readonly job: Job<StoredJob<T>>;
  private readonly token: string;
  private readonly lease: number;
  private readonly resolve: () => void;
  private readonly reject: (e: Error) => void;
  constructor(
    job: Job<StoredJob<T>>,
    token: string,
    lease: number,
    settle: { resolve: () => void; reject: (e: Error) => void },
  ) {
    this.job = job;
    this.id = job.id ?? '';
    this.task = job.data.task;
    this.attempt = job.attemptsStarted;
    this.token = token;
    this.lease = lease;
    this.resolve = settle.resolve;
    this.reject = settle.reject;
  }

  private settle(): void {
    if (this.settled) {
      throw new Error(`The lease of job ${this.id} was already settled; settle a lease once.`);
    }
    this.settled = true;
  }

  /** BullMQ moves the job to completed once the processor's promise resolves. */
  async complete(): Promise<void> {
    this.settle();
    this.resolve();
  }

  /** BullMQ retries it after its backoff, or keeps it in the failed set (the dead letters). */
  async fail(error: Error): Promise<void> {
    this.settle();
    this.reject(error);
  }

  /** Back to the wait list, untouched; the processor ends with BullMQ's `WaitingError`. */
  async release(): Promise<void> {
    this.settle();
    try {
      await this.job.moveToWait(this.token);
    } finally {
      this.reject(new WaitingError());
    }
  }

  async extend(): Promise<void> {
    if (this.settled) return;
    const ok = await this.job.extendLock(this.token, this.lease);
    if (!ok) throw new Error(`The lease of job ${this.id} is lost (another worker holds it).`);
  }
}

/**
 * A job of the Redis queue while a taker holds it: BullMQ runs it in its processor, whose
 * promise this lease settles (complete, fail), or hands back to the wait list (release); a
 * lost lease ends the processor too, so BullMQ's slot is free again.
 * Internal: the queue builds them.
 */
import { type Job, WaitingError } from 'bullmq';
import { KeptLease, type LeaseKeeper } from '../lease.ts';

/** The job's payload as stored: the task, and a nonce telling our add from a duplicate's. */
export interface StoredJob<T> {
  task: T;
  nonce: string;
}

/** A held job of the Redis queue; settles once; its keeper extends its lock. @internal */
export class BullLease<T> extends KeptLease<T> {
  /** The lock's token: extending or settling the job takes it. */
  readonly token: string;
  private readonly job: Job<StoredJob<T>>;
  private readonly resolve: () => void;
  private readonly reject: (e: Error) => void;
  constructor(
    job: Job<StoredJob<T>>,
    token: string,
    keeper: LeaseKeeper,
    settle: { resolve: () => void; reject: (e: Error) => void },
  ) {
    super(keeper, job.id ?? '', job.data.task, job.attemptsStarted);
    this.job = job;
    this.token = token;
    this.resolve = settle.resolve;
    this.reject = settle.reject;
  }

  /** BullMQ moves the job to completed once the processor's promise resolves. */
  protected async doComplete(): Promise<void> {
    this.resolve();
  }

  /** BullMQ retries it after its backoff, or keeps it in the failed set (the dead letters). */
  protected async doFail(error: Error): Promise<void> {
    this.reject(error);
  }

  /** Back to the wait list, untouched; the processor ends with BullMQ's `WaitingError`. */
  protected async doRelease(): Promise<void> {
    try {
      await this.job.moveToWait(this.token);
    } finally {
      this.reject(new WaitingError());
    }
  }

  /** The processor ends: BullMQ cannot settle a job whose lock is not ours, and moves on. */
  protected override onLost(): void {
    this.reject(this.signal.reason as Error);
  }
}

/**
 * A job leased from the PostgreSQL queue: its settle-once state, and the SQL that hands it
 * back or extends it (pg-boss has neither: a lease there is `started_on + expire_in`).
 * Internal: the queue builds them.
 */
import type { Lease } from '../../kinds/durable-queue.ts';

/** What a lease needs of its queue. @internal */
export interface PgLeaseHost {
  complete(id: string): Promise<void>;
  fail(id: string, error: Error): Promise<void>;
  release(id: string): Promise<void>;
  extend(ids: string[]): Promise<Set<string>>;
  forget(id: string): void;
}

/** A held job of the PostgreSQL queue; settles once. @internal */
export class PgLease<T> implements Lease<T> {
  readonly id: string;
  readonly task: T;
  readonly attempt: number;
  private settled = false;
  private readonly host: PgLeaseHost;
  constructor(host: PgLeaseHost, id: string, task: T, attempt: number) {
    this.host = host;
    this.id = id;
    this.task = task;
    this.attempt = attempt;
  }

  private settle(): void {
    if (this.settled) {
      throw new Error(`The lease of job ${this.id} was already settled; settle a lease once.`);
    }
    this.settled = true;
    this.host.forget(this.id);
  }

  complete(): Promise<void> {
    this.settle();
    return this.host.complete(this.id);
  }

  fail(error: Error): Promise<void> {
    this.settle();
    return this.host.fail(this.id, error);
  }

  release(): Promise<void> {
    this.settle();
    return this.host.release(this.id);
  }

  async extend(): Promise<void> {
    if (this.settled) return;
    const kept = await this.host.extend([this.id]);
    if (!kept.has(this.id)) {
      throw new Error(
        `The lease of job ${this.id} is lost (it expired and the job was delivered again).`,
      );
    }
  }
}

/** Hands a leased job back: waiting again, its start not counted as an attempt. @internal */
export function releaseSql(schema: string): string {
  return `UPDATE ${schema}.job SET state = 'created', started_on = NULL, start_after = now()
    WHERE name = $1 AND id = $2 AND state = 'active'`;
}

/** Extends leases: pg-boss expires a job at `started_on + expire_in`. @internal */
export function extendSql(schema: string): string {
  return `UPDATE ${schema}.job SET started_on = now()
    WHERE name = $1 AND id = ANY($2::uuid[]) AND state = 'active' RETURNING id`;
}

/** The counts shown in getTree and /metrics, for the queue and its dead letters. @internal */
export function statsSql(schema: string): string {
  return `SELECT name, state::text AS state, count(*)::int AS n FROM ${schema}.job
    WHERE name = ANY($1::text[]) AND state < 'completed' GROUP BY name, state`;
}

/**
 * A job leased from the PostgreSQL queue, and the SQL that hands it back or extends it
 * (pg-boss has neither: a lease there is `started_on + expire_in`).
 * Internal: the queue builds them.
 */
import { KeptLease, type LeaseKeeper } from '../lease.ts';

/** What a lease needs of its queue. @internal */
export interface PgLeaseHost {
  complete(id: string): Promise<void>;
  fail(id: string, error: Error): Promise<void>;
  release(id: string): Promise<void>;
}

/** A held job of the PostgreSQL queue; settles once; its keeper extends it. @internal */
export class PgLease<T> extends KeptLease<T> {
  private readonly host: PgLeaseHost;
  constructor(host: PgLeaseHost, keeper: LeaseKeeper, id: string, task: T, attempt: number) {
    super(keeper, id, task, attempt);
    this.host = host;
  }
  protected doComplete(): Promise<void> {
    return this.host.complete(this.id);
  }
  protected doFail(error: Error): Promise<void> {
    return this.host.fail(this.id, error);
  }
  protected doRelease(): Promise<void> {
    return this.host.release(this.id);
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

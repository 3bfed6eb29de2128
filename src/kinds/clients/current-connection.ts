/**
 * The connection a client definition gives out (`machine.connection`, `write`, `connected`),
 * and the callers waiting for the next one. Internal.
 */
import type { ClientConnection } from './client-connection.ts';
import { ClientStateError } from './client-errors.ts';

/** @internal */
export class CurrentConnection {
  private conn: ClientConnection | undefined;
  private readonly waiting = new Set<(conn: ClientConnection) => void>();
  private readonly service: string;

  constructor(service: string) {
    this.service = service;
  }

  get(): ClientConnection | undefined {
    return this.conn?.open ? this.conn : undefined;
  }

  set(conn: ClientConnection): void {
    this.conn = conn;
    for (const wake of [...this.waiting]) wake(conn);
  }

  clear(conn: ClientConnection): void {
    if (this.conn === conn) this.conn = undefined;
  }

  write(data: string | Uint8Array): Promise<void> {
    const conn = this.get();
    if (!conn) {
      return Promise.reject(
        new ClientStateError(
          'CLIENT_NOT_CONNECTED',
          this.service,
          `Client "${this.service}" has no connection now (starting, reconnecting or stopped); wait for one with connected({ signal }).`,
        ),
      );
    }
    return conn.write(data);
  }

  next(signal?: AbortSignal): Promise<ClientConnection> {
    const conn = this.get();
    if (conn) return Promise.resolve(conn);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(wake);
        reject(signal?.reason);
      };
      const wake = (c: ClientConnection) => {
        this.waiting.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(c);
      };
      this.waiting.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * One connection of a client service: writes that say when they are sent (or why not), and one
 * reader of chunks or lines over a bounded inbox.
 */
import type { Socket } from 'node:net';
import { ClientStateError } from './client-errors.ts';

/** The bounds of a connection's buffers. @internal */
export interface ConnectionLimits {
  readonly service: string;
  readonly maxReadBuffer: number;
  readonly maxWriteBuffer: number;
}

/**
 * A client service's connection, handed to `onConnect` and `handle`, and given out by the
 * machine's `connection` and `connected()` while it is up.
 *
 * Data the peer sends is read at once into an inbox of at most `maxReadBuffer` bytes; when it
 * is full, reading pauses (TCP holds the peer back) until `chunks()` or `lines()` takes some.
 * So nothing is dropped, and a connection nobody reads from still notices the peer's close
 * while it sends less than that.
 *
 * @example
 * ```ts
 * const conn = await upstream.connected({ signal: AbortSignal.timeout(5_000) });
 * await conn.write('GET counter\n');
 * for await (const line of conn.lines()) {
 *   console.log(line); // '42'
 *   break; // the reader is released; the connection stays up
 * }
 * ```
 */
export class ClientConnection<S extends Socket = Socket> {
  /** The socket (`net.Socket`, or `tls.TLSSocket` with `tls`). Do not `destroy()` it lightly: that counts as a lost connection. */
  readonly socket: S;
  /** Aborted when this connection ends: lost, or closed by the stop. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly limits: ConnectionLimits;
  private readonly inbox: Buffer[] = [];
  private inboxBytes = 0;
  private ended = false;
  private reading = false;
  private wake: (() => void) | undefined;
  /** Bytes received, for `getTree()`. */
  received = 0;
  /** Bytes written, for `getTree()`. */
  sent = 0;

  /** Made by the client service, never by users (its limits type is internal). @internal */
  constructor(socket: S, limits: ConnectionLimits) {
    this.socket = socket;
    this.limits = limits;
    this.signal = this.controller.signal;
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.inbox.push(chunk);
      this.inboxBytes += chunk.length;
      if (this.inboxBytes >= limits.maxReadBuffer) socket.pause();
      this.notify();
    });
    const end = () => {
      this.ended = true;
      this.notify();
    };
    socket.once('end', end);
    socket.once('close', () => {
      end();
      this.controller.abort(
        new ClientStateError(
          'CLIENT_NOT_CONNECTED',
          limits.service,
          `Client "${limits.service}": the connection closed.`,
        ),
      );
    });
  }

  /** Whether the connection can still be written to. */
  get open(): boolean {
    return !this.signal.aborted && !this.socket.destroyed && this.socket.writable;
  }

  /** Bytes waiting in the inbox. */
  get unread(): number {
    return this.inboxBytes;
  }

  /**
   * Sends `data`; resolves once it is handed to the system. Rejects with a `ClientStateError`:
   * `CLIENT_NOT_CONNECTED` if the connection is closed or closing, `CLIENT_BUFFER_FULL` if
   * more than `maxWriteBuffer` bytes would be waiting to be sent (await your writes).
   */
  write(data: string | Uint8Array): Promise<void> {
    const { service, maxWriteBuffer } = this.limits;
    if (!this.open) {
      return Promise.reject(
        new ClientStateError(
          'CLIENT_NOT_CONNECTED',
          service,
          `Client "${service}": write on a closed connection; wait for the next one with connected().`,
        ),
      );
    }
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    if (this.socket.writableLength + size > maxWriteBuffer) {
      return Promise.reject(
        new ClientStateError(
          'CLIENT_BUFFER_FULL',
          service,
          `Client "${service}": ${this.socket.writableLength} bytes already wait to be sent and this write adds ${size}, over maxWriteBuffer (${maxWriteBuffer}); await each write, or raise \`maxWriteBuffer\`.`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => {
        if (error) reject(error);
        else {
          this.sent += size;
          resolve();
        }
      });
    });
  }

  /**
   * The data as it comes, chunk by chunk, until the connection ends. One reader at a time
   * (`CLIENT_READER_TAKEN` otherwise); leaving the loop releases it, and unread data stays.
   */
  async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    this.claim();
    try {
      for (;;) {
        const chunk = this.inbox.shift();
        if (chunk) {
          this.inboxBytes -= chunk.length;
          if (this.inboxBytes < this.limits.maxReadBuffer && this.socket.isPaused())
            this.socket.resume();
          yield chunk;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.reading = false;
    }
  }

  /**
   * The data as lines (UTF-8, split on `\n`, a trailing `\r` removed), until the connection
   * ends; a last line without `\n` is given too. A line longer than `maxReadBuffer` throws a
   * `CLIENT_LINE_TOO_LONG` `ClientStateError` and destroys the connection (the client
   * reconnects). One reader at a time, as {@link ClientConnection.chunks}.
   */
  async *lines(): AsyncGenerator<string, void, undefined> {
    let partial = '';
    for await (const chunk of this.chunks()) {
      partial += chunk.toString('utf8');
      let at = partial.indexOf('\n');
      while (at >= 0) {
        const line = partial.slice(0, at);
        partial = partial.slice(at + 1);
        yield line.endsWith('\r') ? line.slice(0, -1) : line;
        at = partial.indexOf('\n');
      }
      if (partial.length > this.limits.maxReadBuffer) {
        const { service, maxReadBuffer } = this.limits;
        const error = new ClientStateError(
          'CLIENT_LINE_TOO_LONG',
          service,
          `Client "${service}": a line of more than maxReadBuffer (${maxReadBuffer}) bytes came with no newline; the connection is destroyed. Raise \`maxReadBuffer\`, or read with chunks().`,
        );
        this.socket.destroy(error);
        throw error;
      }
    }
    if (partial !== '') yield partial;
  }

  /** Ends the connection (FIN after what is queued): the client then reconnects. */
  end(): void {
    this.socket.end();
  }

  private claim(): void {
    if (this.reading) {
      const { service } = this.limits;
      throw new ClientStateError(
        'CLIENT_READER_TAKEN',
        service,
        `Client "${service}": this connection already has a reader (chunks() or lines()); leave its loop first, or read in one place.`,
      );
    }
    this.reading = true;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

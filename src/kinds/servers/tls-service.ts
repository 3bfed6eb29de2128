/**
 * `createTlsService`: a `node:tls` server as a supervised service (aiomisc TLSServer), with a
 * close that cannot hang.
 */
import {
  createSecureContext,
  createServer,
  type SecureContextOptions,
  type TLSSocket,
  type TlsOptions,
} from 'node:tls';
import type { ServiceContext } from '../../core/service-options.ts';
import { checkFunction, type Fail } from '../../core/validate.ts';
import type { ServiceMachine } from '../../machines/service.ts';
import type { ServerServiceOptions, ServerSocketOptions } from './server-options.ts';
import { defineServerKind } from './server-service.ts';
import { streamKind } from './tcp-service.ts';

/**
 * Options of {@link createTlsService}: the common server options (`port`, `host`,
 * `gracePeriod`, `onStart`, ...; see {@link ServerServiceOptions}) plus these.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 *
 * const options: TlsServiceOptions = {
 *   id: 'secure-echo',
 *   port: 7443,
 *   tls: { key: readFileSync('key.pem'), cert: readFileSync('cert.pem') },
 *   handle: (socket) => void socket.pipe(socket),
 * };
 * ```
 */
export interface TlsServiceOptions extends ServerServiceOptions, ServerSocketOptions {
  /**
   * Called with each connection once its handshake is done, and the running generation's
   * context; as {@link TcpServiceOptions.handle}. Required.
   */
  handle: (socket: TLSSocket, ctx: ServiceContext) => unknown;
  /**
   * `tls.createServer` options: `key` and `cert` (or `pfx`, or `SNICallback`), plus anything
   * else it takes (`ca`, `requestCert`, `minVersion`, ...). Checked at creation by building a
   * secure context from it, so a bad key or certificate throws a `ServiceConfigError` here, not
   * at the first start. Never shown in `getTree()` or the inspector. Required.
   */
  tls: TlsOptions;
  /**
   * Listen with SO_REUSEPORT (Node >= 22.12 or >= 23.1; `true` throws on Node 20).
   * @default false
   */
  reusePort?: boolean;
}

const OWN = ['handle', 'tls', 'reusePort', 'path', 'fd', 'listener'] as const;

/**
 * Creates a TLS server service. Everything {@link createTcpService} says holds: `running` is
 * listening, `details: { port, host, url, listening, connections, active }`, the stop ends
 * idle connections (a TLS `close_notify`), waits for busy handlers up to the grace period minus
 * a margin, and then destroys every socket, handshakes in progress and peers that never answer
 * included, so the stop is bounded where aiomisc's TLS close could hang.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { createActor } from 'xstate';
 *
 * const secure = createTlsService({
 *   id: 'secure',
 *   port: 7443,
 *   tls: { key: readFileSync('key.pem'), cert: readFileSync('cert.pem') },
 *   handle(socket) {
 *     socket.end(`hello ${socket.getProtocol()}\n`);
 *   },
 * });
 * createActor(secure).start();
 * ```
 */
export function createTlsService(options: TlsServiceOptions): ServiceMachine {
  return defineServerKind(options, {
    own: OWN,
    kind: (o, base, fail) => {
      checkFunction(o.handle, 'handle', fail, true);
      const tls = o.tls;
      if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) {
        fail({
          option: 'tls',
          received: typeof tls,
          expected: 'an object of tls.createServer options',
        });
      }
      if (!(tls.pfx || tls.SNICallback || (tls.key && tls.cert))) {
        fail({
          option: 'tls',
          received: '[redacted]',
          expected: 'TLS options with `key` and `cert` (or `pfx`, or `SNICallback`)',
        });
      }
      checkSecureContext(tls, fail);
      // The key material is never shown.
      return streamKind(o, base, fail, 'TLS', () => createServer({ ...tls }), {
        server: 'tls',
        ...o,
        tls: '[redacted]',
        ...(o.listener ? { listener: '[net.Server]' } : {}),
      });
    },
  });
}

/**
 * A TLS option Node can build a secure context from (a key that matches its certificate, ...),
 * checked at creation; the key material is never shown in the error. @internal
 *
 * @example
 * ```ts
 * checkSecureContext({ key, cert }, fail); // throws a ServiceConfigError on a bad key
 * ```
 */
export function checkSecureContext(tls: SecureContextOptions, fail: Fail): void {
  try {
    createSecureContext(tls);
  } catch (e) {
    fail({
      option: 'tls',
      received: '[redacted]',
      expected: `options Node can build a secure context from (${(e as Error).message})`,
    });
  }
}

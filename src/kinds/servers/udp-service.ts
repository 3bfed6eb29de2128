/**
 * `createUdpService`: a `node:dgram` socket as a supervised service (aiomisc UDPServer).
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { ServiceContext } from '../../core/service-options.ts';
import { checkFunction, checkOneOf } from '../../core/validate.ts';
import type { ServiceMachine } from '../../machines/service.ts';
import type { ServerServiceOptions } from './server-options.ts';
import { defineServerKind } from './server-service.ts';
import { openUdp } from './udp-endpoint.ts';

/**
 * Options of {@link createUdpService}: the common server options (`port`, `host`,
 * `gracePeriod`, `onStart`, ...; see {@link ServerServiceOptions}) plus these.
 *
 * @example
 * ```ts
 * const options: UdpServiceOptions = {
 *   id: 'echo',
 *   port: 9000,
 *   onMessage: (msg, rinfo, socket) => socket.send(msg, rinfo.port, rinfo.address),
 * };
 * ```
 */
export interface UdpServiceOptions extends ServerServiceOptions {
  /**
   * Called with each datagram, who sent it, the socket (to reply with `socket.send`) and the
   * running generation's context. May return a promise: a stop waits for it within the grace
   * period. A throw or a rejection drops the datagram and is logged; it counts as a failure of
   * the service only with `handlerErrors: 'count'`.
   * Do not close the socket: that counts as the listener dying (a failure, then a new bind).
   * Required.
   */
  onMessage: (msg: Buffer, rinfo: RemoteInfo, socket: Socket, ctx: ServiceContext) => unknown;
  /**
   * The socket type: IPv4 or IPv6.
   * @default 'udp4'
   */
  type?: 'udp4' | 'udp6';
}

const OWN = ['onMessage', 'type'] as const;

/**
 * Creates a UDP service: `running` means the socket is bound, and `getTree()` shows
 * `details: { port, host, url, type, listening, received, dropped, inFlight }` with the real
 * port when `port` is 0.
 *
 * The stop: datagrams arriving from then on are dropped (and counted in `dropped`), handlers
 * in flight get until the grace period minus a margin (10 %, 20 to 250 ms), then the socket is
 * closed and your `onStop` runs. A bind error fails the start with a `ServerListenError`.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 *
 * const echo = createUdpService({
 *   id: 'echo',
 *   port: 9000,
 *   onMessage(msg, rinfo, socket) {
 *     socket.send(msg, rinfo.port, rinfo.address);
 *   },
 * });
 * createActor(echo).start();
 * ```
 */
export function createUdpService(options: UdpServiceOptions): ServiceMachine {
  return defineServerKind(options, {
    own: OWN,
    // The default host follows the type; a bad type is reported once the shared checks pass.
    defaultHost: (o) => (o.type === 'udp6' ? '::1' : '127.0.0.1'),
    kind: (o, base, fail) => {
      const type = checkOneOf(o.type, ['udp4', 'udp6'], 'type', fail) ?? 'udp4';
      const onMessage = checkFunction(o.onMessage, 'onMessage', fail, true);
      const settings = {
        id: o.id,
        type,
        port: base.port,
        host: base.host,
        handlerErrors: base.handlerErrors,
        onMessage,
      };
      return {
        label: 'UDP',
        initialDetails: {
          port: base.port,
          host: base.host,
          type,
          listening: false,
          received: 0,
          dropped: 0,
          inFlight: 0,
        },
        open: (slot, port) => openUdp(slot, settings, port),
        shown: { server: 'udp', ...o },
      };
    },
  });
}

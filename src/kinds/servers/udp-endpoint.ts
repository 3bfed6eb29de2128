/**
 * One generation's UDP socket: a `dgram` socket handing each datagram to the user's handler,
 * with the bounded close. Internal.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isThenable } from '../../actors/loop-run.ts';
import type { ServiceContext } from '../../core/service-options.ts';
import { type Endpoint, EndSignal, Gauge, settlesBy, urlHost } from './endpoint.ts';
import { bind } from './listen.ts';
import type { HandlerErrorPolicy } from './server-options.ts';
import { handlerFailed, type ServerSlot } from './server-service.ts';

/** What the UDP endpoint needs from the options. @internal */
export interface UdpSettings {
  readonly id: string;
  readonly type: 'udp4' | 'udp6';
  readonly port: number;
  readonly host: string;
  readonly handlerErrors: HandlerErrorPolicy;
  readonly onMessage: (
    msg: Buffer,
    rinfo: RemoteInfo,
    socket: Socket,
    ctx: ServiceContext,
  ) => unknown;
}

/** Creates the socket and binds it to `port` (`s.port`, or the one kept from port 0). @internal */
export async function openUdp(slot: ServerSlot, s: UdpSettings, port: number): Promise<Endpoint> {
  const gauge = new Gauge();
  const end = new EndSignal();
  let closing = false;
  let inFlight = 0;
  let received = 0;
  let dropped = 0;

  const socket = createSocket({ type: s.type });
  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    // Once the stop has begun, new datagrams are dropped (counted): UDP has no way to refuse.
    if (closing) {
      dropped++;
      return;
    }
    received++;
    inFlight++;
    const settle = () => {
      inFlight--;
      gauge.changed();
    };
    const failed = (e: unknown) =>
      handlerFailed(slot, s.handlerErrors, e, 'message handler threw; datagram dropped', {
        from: `${rinfo.address}:${rinfo.port}`,
        size: rinfo.size,
      });
    try {
      const result = s.onMessage(msg, rinfo, socket, slot.ctx!);
      if (isThenable(result)) {
        result.then(settle, (e: unknown) => {
          failed(e);
          settle();
        });
      } else {
        settle();
      }
    } catch (e) {
      failed(e);
      settle();
    }
  });

  try {
    await bind(socket, { service: s.id, kind: 'UDP', port, host: s.host, configuredPort: s.port });
  } catch (error) {
    try {
      socket.close();
    } catch {
      // Never bound: nothing to close.
    }
    throw error;
  }
  const address = socket.address();
  const url = `udp://${urlHost(address.address, address.port)}`;
  let bound = true;
  const closed = new Promise<void>((resolve) => socket.once('close', resolve));

  socket.on('error', (error: Error) => {
    if (closing) return;
    slot.logger?.error({ err: error }, 'UDP socket error; closing it');
    closing = true;
    socket.close();
    end.fire(error);
  });
  socket.on('close', () => {
    bound = false;
    if (closing) return;
    closing = true;
    end.fire(new Error(`UDP service "${s.id}": the socket on ${url} closed unexpectedly.`));
  });

  return {
    port: address.port,
    details: () => ({
      port: address.port,
      host: address.address,
      url,
      type: s.type,
      listening: bound,
      received,
      dropped,
      inFlight,
    }),
    onEnd: (listener) => end.onEnd(listener),
    async close(drainUntil, closeUntil) {
      closing = true;
      // Handlers in flight may still reply through the socket: let them, within the budget.
      const drained = await gauge.until(() => inFlight === 0, drainUntil);
      if (!drained) {
        slot.logger?.warn(
          { inFlight },
          'UDP message handlers still running at the end of the grace period; socket closed',
        );
      }
      // A reply sent just before its handler settled is still on its way to libuv (dgram
      // resolves the address on a later tick): let it go out before the socket closes. A tick,
      // not setImmediate: the close then ends in the same turn as the drain deadline's timer,
      // before the core's gracePeriod timer, even when a busy loop fires both at once.
      await new Promise((resolve) => process.nextTick(resolve));
      if (bound) {
        try {
          socket.close();
        } catch {
          // Already closed.
        }
      }
      if (!(await settlesBy(closed, closeUntil))) {
        slot.logger?.warn({}, 'UDP socket still closing at the end of the grace period');
      }
    },
  };
}

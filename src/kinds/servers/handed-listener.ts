/**
 * A listening socket handed over to a server kind (a file descriptor from systemd socket
 * activation, or a `net.Server` bound beforehand): opened once and kept open across the
 * service's generations, since a descriptor closed once cannot be listened on again. Each
 * generation's server receives its connections; between generations they are refused
 * (destroyed). Internal.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type ServerListenDetails, ServerListenError } from './listen-error.ts';

/** One definition's handed-over listener. @internal */
export class HandedListener {
  private holder: Server | undefined;
  private consumer: Server | undefined;
  private readonly source: number | Server;

  constructor(source: number | Server) {
    this.source = source;
  }

  /** Gives `server` the connections from now on; resolves to the bound address. */
  async attach(server: Server, target: ServerListenDetails): Promise<AddressInfo | string> {
    const holder = this.holder ?? (await this.open(target));
    this.consumer = server;
    holder.ref();
    const address = holder.address();
    if (address === null)
      throw new ServerListenError(target, new Error('the listener handed over is closed'));
    return address;
  }

  /** `server` takes no more connections; the listener stays open for the next generation. */
  detach(server: Server): void {
    if (this.consumer !== server) return;
    this.consumer = undefined;
    this.holder?.unref();
  }

  private async open(target: ServerListenDetails): Promise<Server> {
    let holder: Server;
    if (typeof this.source === 'number') {
      const fd = this.source;
      holder = createServer();
      await new Promise<void>((resolve, reject) => {
        holder.once('error', (e) => reject(new ServerListenError(target, e)));
        holder.listen({ fd }, () => resolve());
      });
    } else {
      holder = this.source;
      if (!holder.listening) {
        throw new ServerListenError(
          target,
          new Error(
            'the net.Server handed over as `listener` is not listening; call listen() on it first',
          ),
        );
      }
    }
    holder.on('connection', (socket: Socket) => {
      const consumer = this.consumer;
      if (consumer) consumer.emit('connection', socket);
      else socket.destroy();
    });
    this.holder = holder;
    return holder;
  }
}

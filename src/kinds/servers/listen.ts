/**
 * Listening and binding, with refusals turned into a `ServerListenError` that names the
 * service, the port and the reason. Internal.
 */
import type { Socket as DgramSocket } from 'node:dgram';
import type { ListenOptions, Server } from 'node:net';
import { type ServerListenDetails, ServerListenError } from './listen-error.ts';
import { preparePath } from './socket-path.ts';

/** Where and how a server listens. @internal */
export interface ListenTarget extends ServerListenDetails {
  readonly reusePort: boolean;
}

/**
 * `server.listen()` as a promise; rejects with a `ServerListenError`. With a `path`, a stale
 * socket there is removed first, and anything else there is refused. @internal
 */
export async function listen(server: Server, target: ListenTarget): Promise<void> {
  if (target.path !== undefined) {
    try {
      await preparePath(target.path);
    } catch (error) {
      throw new ServerListenError(target, error);
    }
  }
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(new ServerListenError(target, error));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // `reusePort` is only passed when asked for, and only accepted where Node has it (checked
    // at creation); @types/node 20 does not know the option.
    const options: ListenOptions & { reusePort?: boolean } =
      target.path !== undefined ? { path: target.path } : { port: target.port, host: target.host };
    if (target.reusePort) options.reusePort = true;
    try {
      server.listen(options);
    } catch (error) {
      onError(error as Error);
    }
  });
}

/** `socket.bind()` as a promise; rejects with a `ServerListenError`. @internal */
export function bind(socket: DgramSocket, target: ServerListenDetails): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      socket.off('listening', onListening);
      reject(new ServerListenError(target, error));
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    try {
      socket.bind({ port: target.port, address: target.host });
    } catch (error) {
      onError(error as Error);
    }
  });
}

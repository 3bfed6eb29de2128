/**
 * Unix socket paths for the stream and HTTP servers: what may be at the path before a listen
 * (nothing, or a stale socket an earlier run left, which is removed), and what is refused
 * (a file that is not a socket, a socket something still listens on). Internal.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';

/** What is at a path: nothing, a unix socket, or something else (named). @internal */
export function pathKind(path: string): 'none' | 'socket' | string {
  try {
    const st = lstatSync(path);
    if (st.isSocket()) return 'socket';
    if (st.isDirectory()) return 'a directory';
    if (st.isSymbolicLink()) return 'a symbolic link';
    if (st.isFIFO()) return 'a named pipe (FIFO)';
    return st.isFile() ? 'a regular file' : 'a file that is not a socket';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw e;
  }
}

/** Whether something accepts connections on the socket at `path`. */
function inUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Makes `path` ready to listen on: nothing to do if it does not exist; a stale socket (nobody
 * accepts on it) is removed. Rejects with an error whose `code` is `EADDRINUSE` (a live
 * socket) or `ENOTSOCK` (something else is there), for `ServerListenError`. @internal
 */
export async function preparePath(path: string): Promise<void> {
  const kind = pathKind(path);
  if (kind === 'none') return;
  if (kind !== 'socket') {
    throw Object.assign(new Error(`${path} exists and is ${kind}, not a socket`), {
      code: 'ENOTSOCK',
      found: kind,
    });
  }
  if (await inUse(path)) {
    throw Object.assign(new Error(`a server already listens on ${path}`), { code: 'EADDRINUSE' });
  }
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Removes the socket file after a close, if it is still there (libuv normally removes it). @internal */
export function removeSocket(path: string): void {
  try {
    if (pathKind(path) === 'socket') unlinkSync(path);
  } catch {
    // Gone already, or not ours to remove.
  }
}

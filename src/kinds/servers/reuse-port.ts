/**
 * Whether `listen()` can take `reusePort` (SO_REUSEPORT): several processes each listening on
 * the same port, the kernel spreading connections between them.
 */

/**
 * True when this Node's `net.Server.listen()` accepts `reusePort` (added in Node 22.12 and
 * 23.1). Node 20 does not have it: there, `reusePort: true` in a server kind's options throws a
 * `ServiceConfigError` at creation. To share one port between several HTTP workers on Node 20,
 * run them under `node:cluster`: a worker's `listen()` goes through the primary, which owns
 * the one socket.
 *
 * Even where Node has it, the platform must too (Linux 3.9+, FreeBSD 12+, ...); where it does
 * not, the start fails with a `ServerListenError`.
 *
 * @param version - a Node version to check instead of the running one (`process.versions.node`).
 * @example
 * ```ts
 * const api = createHttpService({
 *   id: 'api',
 *   port: 8080,
 *   reusePort: reusePortSupported(), // else one process per port, or node:cluster
 *   serve: (_req, res) => res.end('ok'),
 * });
 * reusePortSupported('20.19.0'); // false
 * reusePortSupported('22.12.0'); // true
 * ```
 */
export function reusePortSupported(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  if (major > 23) return true;
  if (major === 23) return minor >= 1;
  return major === 22 && minor >= 12;
}

/**
 * Helpers for the module a process service forks (`module`): import them in the child.
 */

/**
 * Exits this child process when its IPC channel to the parent closes: the parent died (even by
 * SIGKILL, which runs no cleanup) or disconnected. Without it, a forked child whose parent was
 * killed hard lives on, orphaned. Returns a function that removes the listener. A no-op
 * (returning a no-op) in a process that was not forked with IPC.
 *
 * @example
 * ```ts
 * // worker.mjs, run by createProcessService({ id: 'worker', module: './worker.mjs' })
 * import { exitOnParentDeath } from 'xstate-supervisor';
 * exitOnParentDeath();
 * setInterval(() => console.log('working'), 1_000);
 * ```
 */
export function exitOnParentDeath(code = 0): () => void {
  if (typeof process.send !== 'function') return () => {};
  const onDisconnect = () => process.exit(code);
  // The parent may already be gone (it died while this module was loading).
  if (!process.connected) onDisconnect();
  process.once('disconnect', onDisconnect);
  return () => process.off('disconnect', onDisconnect);
}

/** Runs in the worker thread: one iteration that never yields (a CPU-bound infinite loop). */
export function iterate(): void {
  while (true) {}
}

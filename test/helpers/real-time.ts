/**
 * Bounds for the tests that must run on real time (real sockets, processes, threads), which a
 * loaded machine stretches at will. They bound a stop from below, which load can only make
 * later, and from above only against a hang; order and outcome carry the rest (decision 0047).
 */

/**
 * An upper bound on a wait that only a hang exceeds. Never a measure of promptness: "at once"
 * is shown by a grace period far longer than this (`LONG_GRACE`), "within gracePeriod" by the
 * order of events (no generation killed).
 */
export const HANG_GUARD = 5_000;

/** A grace period no test waits out: a stop that ends within `HANG_GUARD` did not wait for it. */
export const LONG_GRACE = 30_000;

/**
 * How much earlier than its deadline a real timer may seem to fire by `performance.now()`
 * (Node's timers run on libuv's whole-millisecond clock). Lower bounds subtract it.
 */
export const TIMER_EPSILON = 5;

/**
 * The restart decision of a strategy, as a pure function: which children a failure restarts.
 * A new strategy is one more entry in {@link STRATEGIES} and one more case in
 * {@link restartGroup}, tested without timers or supervisors.
 */

/**
 * Every restart strategy a supervisor takes, in the order the docs list them. The `Strategy`
 * type of the supervisor options is derived from this list.
 *
 * @example
 * ```ts
 * STRATEGIES.includes('rest-for-one'); // true
 * ```
 */
export const STRATEGIES = ['one-for-one', 'one-for-all', 'rest-for-one'] as const;

/**
 * OTP restart strategies: what a child's failure (or a `permanent` child's normal end)
 * restarts. `one-for-one`: that child; `one-for-all`: every child (the others stopped in
 * reverse order, then all started in order); `rest-for-one`: that child and those declared
 * after it.
 *
 * Gotchas: the default is `one-for-all`, not OTP's `one_for_one`. A group restart leaves out
 * children with `resetGlobally: false`, and a `temporary` sibling it stops is not started again.
 *
 * @example
 * ```ts
 * const strategy: Strategy = 'rest-for-one'; // db, then cache, then api: cache failing restarts api too
 * createSupervisor({ id: 'app', strategy, children: [] });
 * ```
 */
export type Strategy = (typeof STRATEGIES)[number];

/**
 * The children a failure of `failed` restarts, in start order: `one-for-one` that child alone;
 * `one-for-all` every child; `rest-for-one` that child and those after it. A sibling is taken
 * along only when `joins` says so (the supervisor asks: has it `resetGlobally`, and is it
 * wanted running?); the failed child always is.
 *
 * @example
 * ```ts
 * const children = ['db', 'cache', 'api'];
 * restartGroup('rest-for-one', children, 'cache', () => true); // ['cache', 'api']
 * restartGroup('one-for-all', children, 'cache', (c) => c !== 'db'); // ['cache', 'api']
 * ```
 */
export function restartGroup<C>(
  strategy: Strategy,
  children: readonly C[],
  failed: C,
  joins: (sibling: C) => boolean,
): C[] {
  if (strategy === 'one-for-one') return [failed];
  const from = strategy === 'rest-for-one' ? children.indexOf(failed) : 0;
  const group: C[] = [];
  for (let i = Math.max(0, from); i < children.length; i++) {
    const c = children[i]!;
    if (c === failed || joins(c)) group.push(c);
  }
  return group;
}

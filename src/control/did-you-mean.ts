/**
 * "Did you mean ...?" for the CLI: the known word closest to a mistyped one.
 * Internal: nothing here is exported from the package.
 */

/**
 * The candidate closest to `input` (by edit distance, a swap of two neighbours counting once,
 * or as a prefix of it), or undefined when none is close: the "did you mean" of a mistyped
 * option or command.
 *
 * @example
 * ```ts
 * didYouMean('--tokn', ['--url', '--token']); // '--token'
 * ```
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const word = input.replace(/^-+/, '').toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.ceil(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const name = candidate.replace(/^-+/, '').toLowerCase();
    const distance = word.length >= 2 && name.startsWith(word) ? 1 : editDistance(word, name);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `did you mean X? The ` when a candidate is close to `input`, else `the `. */
export function meant(input: string, candidates: readonly string[]): string {
  const close = didYouMean(input, candidates);
  return close === undefined ? 'the ' : `did you mean ${close}? The `;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The checks of a task pool's `reserve` option, at creation.
 * Internal: `createTaskPool` builds on it; nothing here is exported from the package.
 */
import { checkInteger, type Fail } from '../core/validate.ts';

/**
 * `reserve`: finite priorities to integers >= 1, summing to less than `concurrency` (so the
 * lowest priorities can still run). @internal
 */
export function checkReserve(
  reserve: unknown,
  concurrency: number,
  fail: Fail,
): Record<string, number> {
  if (reserve === undefined) return {};
  const expected =
    'an object of priority to slots, e.g. { 10: 2 }: finite priorities, integers >= 1';
  if (typeof reserve !== 'object' || reserve === null || Array.isArray(reserve)) {
    fail({ option: 'reserve', received: reserve, expected });
  }
  let total = 0;
  for (const [key, slots] of Object.entries(reserve)) {
    if (key.trim() === '' || !Number.isFinite(Number(key))) {
      fail({
        option: `reserve[${JSON.stringify(key)}]`,
        received: key,
        expected: 'a finite priority',
      });
    }
    checkInteger(slots, `reserve[${key}]`, fail, 1);
    total += slots as number;
  }
  if (total >= concurrency) {
    fail({
      option: 'reserve',
      received: reserve,
      expected: `reserves summing to less than concurrency (${concurrency}), so the lowest priorities can still run`,
    });
  }
  return reserve as Record<string, number>;
}

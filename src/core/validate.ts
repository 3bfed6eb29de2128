/**
 * Option validation shared by every factory: checks happen once, at creation, and name the
 * option, the value received and what was expected.
 * Internal: not exported from the package (blocked by the `exports` map).
 */
import type { ConfigErrorDetails } from './errors.ts';

export type Fail = (details: Omit<ConfigErrorDetails, 'owner'>) => never;
export type FailUnknown = (option: string, known: readonly string[]) => never;

/** Ids: `[A-Za-z0-9_.-]+`, not only dots (so never `.` or `..` in a path). */
export const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

export function checkId(id: unknown, fail: Fail, option = 'id'): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || /^\.+$/.test(id)) {
    fail({
      option,
      received: id,
      expected: 'a string of letters, digits, `_`, `.` or `-` (not only dots), e.g. "poller"',
    });
  }
  return id;
}

export function checkKnown(
  options: object,
  known: readonly string[],
  failUnknown: FailUnknown,
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) failUnknown(key, known);
  }
}

export function checkDuration(value: unknown, option: string, fail: Fail): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail({ option, received: value, expected: 'a finite number of milliseconds >= 0' });
  }
  return value;
}

export function checkInteger(
  value: unknown,
  option: string,
  fail: Fail,
  min = 0,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail({ option, received: value, expected: `an integer >= ${min}` });
  }
  return value;
}

export function checkFunction<T>(value: T, option: string, fail: Fail, required = false): T {
  if (value === undefined && !required) return value;
  if (typeof value !== 'function') fail({ option, received: value, expected: 'a function' });
  return value;
}

export function checkBoolean(value: unknown, option: string, fail: Fail): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail({ option, received: value, expected: 'true or false' });
  return value;
}

export function checkOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  option: string,
  fail: Fail,
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    fail({
      option,
      received: value,
      expected: `one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
    });
  }
  return value as T;
}

export function checkObject(value: unknown, option: string, fail: Fail): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail({ option, received: value, expected: 'an options object' });
  }
}

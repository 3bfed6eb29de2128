/**
 * Turning what actors hold (errors, functions, machines, Infinity, cycles) into JSON that
 * says what it was, for the inspector page and for Stately's inspector.
 */
import type { SerializedError } from './protocol.ts';

/**
 * An error as plain data: `JSON.stringify(new Error('x'))` gives `{}`, this keeps the name,
 * message, stack and code. Anything thrown that is not an `Error` becomes `NonError`.
 *
 * @example
 * ```ts
 * JSON.stringify(serializeError(new TypeError('bad'))); // {"name":"TypeError","message":"bad","stack":"TypeError: bad\n..."}
 * ```
 */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message };
    if (error.stack !== undefined) out.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') out.code = code;
    return out;
  }
  return { name: 'NonError', message: typeof error === 'string' ? error : String(error) };
}

/**
 * @internal
 * A JSON-safe copy of `value` down to `depth` levels: functions become `[function name]`,
 * errors their serialized form, XState machines their id, objects with `toJSON` what it
 * gives (an actor: `{ xstate$$type: 1, id }`), non-finite numbers text, cycles `[circular]`,
 * anything deeper `[…]`.
 */
export function jsonSafe(value: unknown, depth = 4, seen = new Set<object>()): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'undefined') return undefined;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (value instanceof Error) return serializeError(value);
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (seen.has(value)) return '[circular]';
  if (depth <= 0) return '[…]';
  const obj = value as Record<string, unknown>;
  if ('root' in obj && 'config' in obj && typeof obj.id === 'string') return `[machine ${obj.id}]`;
  seen.add(value);
  // What the user's objects hold may throw when read (getters, proxies, toJSON): such a part
  // reads `[unreadable]`, and inspection never throws into the user's code.
  try {
    if (typeof obj.toJSON === 'function') return jsonSafe(obj.toJSON(), depth - 1, seen);
    if (Array.isArray(value)) return value.slice(0, 50).map((v) => jsonSafe(v, depth - 1, seen));
    if (value instanceof Map) return `[Map of ${value.size}]`;
    if (value instanceof Set) return `[Set of ${value.size}]`;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      let v: unknown;
      try {
        v = jsonSafe(obj[key], depth - 1, seen);
      } catch {
        v = '[unreadable]';
      }
      if (v !== undefined) out[key] = v;
    }
    return out;
  } catch {
    return '[unreadable]';
  } finally {
    seen.delete(value);
  }
}

/**
 * The British spelling of {@link SerializedError}, kept so code written against it still
 * compiles.
 * @deprecated Use `SerializedError`; this alias goes in the next major version.
 *
 * @example
 * ```ts
 * const e: SerializedError = { name: 'Error', message: 'upstream down' }; // not SerialisedError
 * ```
 */
export type SerialisedError = SerializedError;

/**
 * The British spelling of {@link serializeError}, kept so code written against it still runs.
 * @deprecated Use `serializeError`; this alias goes in the next major version.
 *
 * @example
 * ```ts
 * serializeError(new Error('x')); // not serialiseError(new Error('x'))
 * ```
 */
export const serialiseError: (error: unknown) => SerializedError = serializeError;

/**
 * The checks of a worker-thread service's own options (module, workerData, resourceLimits),
 * and how the thread finds tsx to load TypeScript. Internal.
 */
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import type { Fail } from '../core/validate.ts';

const LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const;

export function checkModule(value: unknown, fail: Fail): string {
  if (value instanceof URL) return value.href;
  if (typeof value === 'string' && value !== '') {
    if (isAbsolute(value)) return pathToFileURL(value).href;
    if (/^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value)) return new URL(value).href;
  }
  return fail({
    option: 'module',
    received: value,
    expected:
      'a URL or an absolute path of a module exporting `iterate` (functions cannot cross threads; e.g. `new URL("./job.js", import.meta.url)`)',
  });
}

export function checkCloneable(value: unknown, fail: Fail): void {
  try {
    structuredClone(value);
  } catch {
    fail({
      option: 'workerData',
      received: value,
      expected: 'a structured-cloneable value (no functions, no class instances with methods)',
    });
  }
}

export function checkLimits(value: unknown, fail: Fail): ResourceLimits | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    return fail({ option: 'resourceLimits', received: value, expected: 'an object' });
  }
  for (const [key, v] of Object.entries(value)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key)) {
      fail({
        option: `resourceLimits.${key}`,
        received: v,
        expected: `one of ${LIMIT_KEYS.join(', ')}`,
      });
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      fail({ option: `resourceLimits.${key}`, received: v, expected: 'a number of MB > 0' });
    }
  }
  return { ...(value as ResourceLimits) };
}

/** @internal tsx's API, to load TypeScript in the thread; undefined when tsx is not installed. */
export function resolveTsx(): string | undefined {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    try {
      return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
    } catch {
      return undefined;
    }
  }
}

import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fault-suite checks that still find known, unfixed defects; moved back once they pass.
    // RELIABILITY_PENDING=1 runs them.
    exclude: [
      ...configDefaults.exclude,
      ...(process.env.RELIABILITY_PENDING ? [] : ['test/reliability/pending-*.test.ts']),
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

// The recipe's tests run on their own: npx vitest run --config examples/recipes/testing-a-tree/vitest.config.ts
export default defineConfig({
  test: { include: ['examples/recipes/testing-a-tree/*.test.ts'], testTimeout: 20_000 },
});

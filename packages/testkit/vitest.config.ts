import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@nexo/testkit',
    include: ['test/**/*.test.ts'],
    // Real Pebble and DNS on a shared 2-core machine: generous, never relied upon.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

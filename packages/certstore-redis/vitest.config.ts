import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@nexo/certstore-redis',
    include: ['test/**/*.test.ts'],
    // Tests wait for real Redis restarts and lock leases on a busy shared machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

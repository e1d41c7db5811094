import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@nexo/testkit',
    include: ['test/**/*.test.ts'],
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@nexo/acme',
    include: ['test/**/*.test.ts'],
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@nexo/router',
    include: ['test/**/*.test.ts'],
  },
});

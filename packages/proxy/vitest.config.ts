import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@nexo/proxy',
    include: ['test/**/*.test.ts'],
  },
});

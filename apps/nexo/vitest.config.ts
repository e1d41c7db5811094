import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'nexo',
    include: ['test/**/*.test.ts'],
  },
});

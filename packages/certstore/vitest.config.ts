import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@nexo/certstore',
    include: ['test/**/*.test.ts'],
  },
});

import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: {
    // The README example imports the package by name; run it against the sources.
    alias: { '@nexo/proxy': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    name: '@nexo/proxy',
    include: ['test/**/*.test.ts'],
  },
});

import { defineConfig } from 'vitest/config';

// One run over every workspace package, so `pnpm test` gives a single summary; the JSON
// report is what `.ci/run` counts.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
  },
});

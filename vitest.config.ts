import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // node:sqlite is flagged experimental on Node 24; its warning is noise in every test's output.
    execArgv: ['--disable-warning=ExperimentalWarning'],
  },
});

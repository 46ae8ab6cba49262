import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One PostgreSQL cluster for the run, started only if a test file asks for it (startPostgres()).
    globalSetup: ['packages/testkit/src/postgres-global-setup.ts'],
    // node:sqlite is flagged experimental on Node 24; its warning is noise in every test's output.
    execArgv: ['--disable-warning=ExperimentalWarning'],
  },
});

import { defineConfig } from 'vitest/config';

/** What every project runs with. */
const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  // node:sqlite is flagged experimental on Node 24; its warning is noise in every test's output.
  execArgv: ['--disable-warning=ExperimentalWarning'],
};

/**
 * The suites that run a second time with the client-credentials fast path off (issue 15): whatever they assert
 * must hold on the engine's own path too, so the fast path can never be what makes them pass. None of them
 * uses PostgreSQL, so that project has no cluster setup.
 */
const ENGINE_PATH_SUITES = [
  'packages/server/test/contract/token-endpoint*.test.ts',
  'packages/server/test/security/**/*.test.ts',
  'packages/server/test/hardening/**/*.test.ts',
  'packages/server/test/official-clients/**/*.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'authmesh',
          include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
          // One PostgreSQL cluster for the run, started only if a test file asks for it (startPostgres()).
          globalSetup: ['packages/testkit/src/postgres-global-setup.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'fast-path-off',
          include: ENGINE_PATH_SUITES,
          // Read once by createTenant: every tenant these suites start answers every token request on the engine.
          env: { AUTHMESH_CLIENT_CREDENTIALS_FAST_PATH: 'off' },
        },
      },
    ],
  },
});

/**
 * `@authmesh/testkit`: what the test suites of every package share, so that no test reaches into another
 * package's internals. The fixture tenant configuration (built in code, not YAML, so that tests do not
 * depend on the config loader) and the scripted browser that walks /authorize → login → callback.
 */
export { customApiClient, fixtureClientCredentials, fixtureConfig } from './fixture-config.ts';
export { freePort } from './free-port.ts';
export { hiddenInput, ScriptedBrowser } from './http-browser.ts';
export { type LoginFlowOptions, type LoginFlowResult, loginForCode, pkcePair } from './login-flow.ts';
export { postJson } from './post-json.ts';
export { startPostgres, TEST_DATABASE_URL_ENV, type TestPostgres } from './postgres.ts';
export { type RestartablePostgres, startRestartablePostgres } from './postgres-restartable.ts';

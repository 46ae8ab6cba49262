/**
 * `@authmesh/testing`: test your own apps against a real local Auth0-compatible tenant. One tenant per
 * test file (in-process, free port, throwaway store), real tokens without clicking (client credentials
 * and the authorization-code + PKCE flow through the real login form), users changed at run time.
 * Playwright helpers are in `@authmesh/testing/playwright`.
 */
export { TestingError, type TestingErrorCode } from './errors.ts';
export { type HeadlessLogin, loginHeadlessly } from './headless-login.ts';
export { type StartTenantOptions, startTenant, type TestTenant, type UserRef } from './start-tenant.ts';
export type { TestUser, UserChange } from './test-control.ts';
export type { TokenSet } from './token-endpoint.ts';
export { requestToken } from './token-endpoint.ts';

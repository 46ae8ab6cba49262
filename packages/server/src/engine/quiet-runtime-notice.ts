/**
 * Two notices of oidc-provider that do not apply to authmesh, dropped by exact text; every other warning
 * still prints. Imported before the engine is evaluated.
 * - "Unsupported runtime": printed on any Node release without an LTS codename. The Node 24 the project
 *   pins (the npm package `node@24`, newest build 24.9.0) predates Node 24's LTS codename, yet it is the
 *   major line the engine supports and is tested on.
 * - "already parsed request body detected": authmesh deliberately parses token-endpoint bodies first, to
 *   accept JSON and Auth0's `audience` (see `http/body.ts`).
 */
const SILENCED = ['oidc-provider WARNING: Unsupported runtime', 'oidc-provider WARNING: already parsed request body'];
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  const first = args[0];
  if (typeof first === 'string' && SILENCED.some((text) => first.includes(text))) return;
  warn(...args);
};

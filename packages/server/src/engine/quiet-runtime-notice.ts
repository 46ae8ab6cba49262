/**
 * oidc-provider warns "Unsupported runtime" on any Node release without an LTS codename. The Node 24 that
 * the project pins (the npm package `node@24`, whose newest build is 24.9.0) predates Node 24's LTS
 * codename, yet it is the same major line the engine supports and is tested on. This module, imported
 * before the engine, drops exactly that one line; every other warning still prints.
 */
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
  warn(...args);
};

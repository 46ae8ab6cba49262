import { setTimeout as delay } from 'node:timers/promises';
import { OptionsError } from '../errors.ts';
import { type ClientAuthentication, clientAuthentication } from './client-auth.ts';
import { parseEndpointURL } from './endpoint-url.ts';
import type { M2MEvent } from './events.ts';
import { createMemoryTokenStore } from './memory-store.ts';
import type { TokenStore } from './store.ts';
import type { M2MClientOptions } from './types.ts';

/** Refresh-ahead settings after defaults. */
export interface RefreshAhead {
  minRemainingMs: number;
  lifetimeFraction: number;
  jitter: number;
}

/** Retry settings after defaults. */
export interface Retry {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  deadlineMs: number;
  retryConnectionRefused: boolean;
}

/** Options after validation and defaults: what the rest of the client works with. */
export interface ResolvedM2MOptions {
  /** With a trailing slash, as Auth0's. */
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  auth: ClientAuthentication;
  store: TokenStore;
  fetch: typeof fetch;
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  refreshAhead: RefreshAhead | false;
  retry: Retry;
  timeoutMs: number;
  onEvent: ((event: M2MEvent) => void) | undefined;
}

/**
 * Validates the options once; every message names the function the caller called (`caller`), the option and how
 * to fix it.
 */
export function resolveM2MOptions(options: M2MClientOptions, caller = 'createM2MClient'): ResolvedM2MOptions {
  if (!options || typeof options !== 'object') {
    throw new OptionsError(`${caller}: pass an options object with issuerBaseURL, clientId and clientSecret`);
  }
  const issuerURL = parseEndpointURL('issuerBaseURL', options.issuerBaseURL, caller);
  // Auth0 issuers end with "/", and `new URL('oauth/token', issuer)` needs it to keep a path prefix.
  if (!issuerURL.pathname.endsWith('/')) issuerURL.pathname += '/';
  const issuer = issuerURL.href;
  const tokenEndpoint =
    options.tokenEndpoint === undefined
      ? new URL('oauth/token', issuer).href
      : parseEndpointURL('tokenEndpoint', options.tokenEndpoint, caller).href;
  const { clientId } = options;
  if (typeof clientId !== 'string' || clientId.trim() === '') {
    throw new OptionsError(`${caller}: clientId must be a non-empty string (the Client ID from the tenant)`);
  }
  const auth = clientAuthentication({
    clientId,
    clientSecret: options.clientSecret,
    privateKey: options.privateKey,
    audience: issuer,
    caller,
  });
  const clock = optional(
    caller,
    options.clock,
    'clock',
    (c) => typeof c === 'object' && typeof c?.now === 'function',
    'an object with now(): epoch ms',
  );
  const now = clock ? () => clock.now() : Date.now;
  return {
    issuer,
    tokenEndpoint,
    clientId,
    auth,
    store:
      optional(caller, options.store, 'store', isStore, 'an object with get, set, delete, acquire and release') ??
      createMemoryTokenStore({ clock: { now } }),
    fetch:
      optional(caller, options.fetch, 'fetch', isFunction, 'a fetch function') ?? ((input, init) => fetch(input, init)),
    now,
    random:
      optional(caller, options.random, 'random', isFunction, 'a function returning a number in [0, 1)') ?? Math.random,
    sleep: optional(caller, options.sleep, 'sleep', isFunction, 'a function (ms, signal) => Promise<void>') ?? sleep,
    refreshAhead: resolveRefreshAhead(options.refreshAhead, caller),
    retry: resolveRetry(options.retry, caller),
    timeoutMs: number(caller, options.timeoutMs, 'timeoutMs', 5_000, { min: 1 }),
    onEvent: optional(caller, options.onEvent, 'onEvent', isFunction, 'a function (event) => void'),
  };
}

function resolveRefreshAhead(value: M2MClientOptions['refreshAhead'], caller: string): RefreshAhead | false {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new OptionsError(
      `${caller}: refreshAhead must be false or an object { minRemainingMs, lifetimeFraction, jitter }`,
    );
  }
  return {
    minRemainingMs: number(caller, value?.minRemainingMs, 'refreshAhead.minRemainingMs', 30_000, { min: 0 }),
    lifetimeFraction: number(caller, value?.lifetimeFraction, 'refreshAhead.lifetimeFraction', 0.1, {
      min: 0,
      max: 0.5,
    }),
    jitter: number(caller, value?.jitter, 'refreshAhead.jitter', 0.5, { min: 0, max: 1 }),
  };
}

function resolveRetry(value: M2MClientOptions['retry'], caller: string): Retry {
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new OptionsError(`${caller}: retry must be an object { maxRetries, baseDelayMs, maxDelayMs, deadlineMs }`);
  }
  const maxRetries = number(caller, value?.maxRetries, 'retry.maxRetries', 3, { min: 0, max: 10, integer: true });
  const baseDelayMs = number(caller, value?.baseDelayMs, 'retry.baseDelayMs', 500, { min: 1 });
  const maxDelayMs = number(caller, value?.maxDelayMs, 'retry.maxDelayMs', 30_000, { min: baseDelayMs });
  const deadlineMs = number(caller, value?.deadlineMs, 'retry.deadlineMs', 15_000, { min: 1 });
  const retryConnectionRefused = value?.retryConnectionRefused ?? true;
  if (typeof retryConnectionRefused !== 'boolean') {
    throw new OptionsError(`${caller}: retry.retryConnectionRefused must be true or false`);
  }
  return { maxRetries, baseDelayMs, maxDelayMs, deadlineMs, retryConnectionRefused };
}

function number(
  caller: string,
  value: unknown,
  name: string,
  fallback: number,
  range: { min: number; max?: number; integer?: boolean },
): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= range.min &&
    (range.max === undefined || value <= range.max) &&
    (!range.integer || Number.isInteger(value));
  if (!ok) {
    const bounds = range.max === undefined ? `≥ ${range.min}` : `between ${range.min} and ${range.max}`;
    throw new OptionsError(
      `${caller}: ${name} must be ${range.integer ? 'an integer' : 'a number'} ${bounds}; got ${String(value)} (default ${fallback})`,
    );
  }
  return value;
}

function optional<T>(
  caller: string,
  value: T | undefined,
  name: string,
  check: (v: T) => boolean,
  expected: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!check(value)) throw new OptionsError(`${caller}: ${name} must be ${expected}`);
  return value;
}

function isFunction(value: unknown): boolean {
  return typeof value === 'function';
}

function isStore(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const store = value as Record<string, unknown>;
  return ['get', 'set', 'delete', 'acquire', 'release'].every((method) => typeof store[method] === 'function');
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal });
}

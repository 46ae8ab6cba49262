import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<string>();

/**
 * The id of the request being handled (`X-Request-Id`), for log lines written on its behalf outside the
 * access log: audit events, internal errors, action logs. Undefined outside a request, or in a tenant
 * created without `observe`.
 */
export function currentRequestId(): string | undefined {
  return current.getStore();
}

/** Runs `fn` as part of the request `requestId`. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return current.run(requestId, fn);
}

/**
 * Who the console is and how it authenticates to the tenant. In `loopback` mode (authmesh dev, npm start)
 * the tenant hands the console a short-lived Management API token; in `management-token` mode (authmesh
 * serve) the person pastes one, kept in sessionStorage only (gone when the tab closes).
 */
import { ConsoleHttpError, callTenant } from './http.ts';
import type { ConsoleSession } from './types.ts';

const STORAGE_KEY = 'authmesh-console-token';

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token) sessionStorage.setItem(STORAGE_KEY, token);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled: the token lives as long as the page.
  }
}

/** The session and the token to send, or `needsToken` when the tenant wants a pasted management token. */
export type SessionState =
  | { kind: 'ready'; session: ConsoleSession; token: string | undefined; expiresAt: number | undefined }
  | { kind: 'needs-token'; reason?: string; tenantName?: string };

/**
 * Reads `/console/api/session` with the pasted token (if any). A 401/403 means this is a
 * management-token console and the token is missing or not good enough.
 */
export async function openSession(pasted: string | undefined): Promise<SessionState> {
  let session: ConsoleSession;
  try {
    session = await callTenant<ConsoleSession>('/console/api/session', pasted);
  } catch (error) {
    if (error instanceof ConsoleHttpError && (error.status === 401 || error.status === 403)) {
      return { kind: 'needs-token', ...(pasted ? { reason: error.message } : {}) };
    }
    throw error;
  }
  if (session.mode === 'loopback') {
    const expiresAt =
      session.management.expires_in === undefined ? undefined : Date.now() + session.management.expires_in * 1000;
    return { kind: 'ready', session, token: session.management.token, expiresAt };
  }
  if (!pasted) return { kind: 'needs-token', tenantName: session.tenant.name };
  return { kind: 'ready', session, token: pasted, expiresAt: undefined };
}

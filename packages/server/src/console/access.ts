import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { requireActiveUser } from '../management/active-user.ts';
import { createAuthenticator } from '../management/auth.ts';
import { ManagementError } from '../management/errors.ts';
import type { Caller } from '../management/types.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { PublicKeySource } from '../tenant/signing-key-ring.ts';

/**
 * Who may open the console:
 * - `loopback` (`authmesh dev`, `npm start`): requests from this machine only (127.0.0.0/8, ::1), no sign-in;
 *   any other address gets 404, as if there were no console;
 * - `management-token` (`authmesh serve`): the static shell for anyone (it holds no data), the console's API
 *   only with a Management API access token that can read the whole picture.
 */
export type ConsoleAccess = 'loopback' | 'management-token';

/** The scopes a Management API token needs to read the console's picture (all of them). */
export const CONSOLE_READ_SCOPES: readonly string[] = [
  'read:clients',
  'read:resource_servers',
  'read:client_grants',
  'read:roles',
  'read:users',
];

/**
 * True for the loopback addresses. The address is the one the edge decided (the socket peer, or the
 * client a trusted proxy names): a request relayed by a proxy on this machine is not loopback unless
 * the proxy is trusted and says so.
 */
export function isLoopback(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith('127.');
  return ip === '::1';
}

/**
 * True when a request comes from this machine itself: its client address (as the edge decided it) is
 * loopback, and it was not relayed by a proxy the tenant does not trust. A reverse proxy or tunnel on this
 * machine (nginx, a tunnel to the internet) connects from 127.0.0.1 for every client: when it says so in
 * `X-Forwarded-For` / `Forwarded` and the edge did not take the client from there (the proxy is not in
 * `--trust-proxy`), the request is not this machine's.
 */
export function isLoopbackRequest(ip: string, req: IncomingMessage): boolean {
  if (!isLoopback(ip)) return false;
  if (!hasRawHeader(req, 'x-forwarded-for') && !hasRawHeader(req, 'forwarded')) return true;
  // With a trusted proxy the edge took the client from X-Forwarded-For: then it differs from the socket peer.
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/i, '');
  return ip !== peer;
}

/**
 * Whether the request's own `Host` (as sent: the edge has already replaced the parsed header with the
 * issuer's) names this machine: the issuer's host name, `localhost` or a loopback address.
 */
export function namesThisMachine(req: IncomingMessage, issuerHost: string): boolean {
  const raw = req.rawHeaders;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'host') host = raw[i + 1];
  }
  if (host === undefined) return false;
  const name = hostName(host.trim().toLowerCase());
  return (
    name === issuerHost ||
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    (isIP(name) !== 0 && isLoopback(name)) ||
    name === '[::1]'
  );
}

/** `example.test:4000` → `example.test`, `[::1]:4000` → `[::1]`. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Whether the request carried `name` (the edge removes X-Forwarded-* from the parsed headers; not from raw). */
function hasRawHeader(req: IncomingMessage, name: string): boolean {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) return true;
  return false;
}

/**
 * Checks a `/console/api/*` request in `management-token` mode with the Management API's own token
 * verification (same keys, issuer, audience and expiry rules, same 401 answers), then the read scopes.
 *
 * @throws ManagementError 401 for a missing or bad token, 403 `insufficient_scope` for a token that
 *   cannot read the picture.
 */
export function createTokenCheck(tenant: TenantContext, signing: PublicKeySource) {
  const authenticate = createAuthenticator(signing, tenant.issuer);
  return async function requireReadToken(authorization: string): Promise<Caller> {
    const caller = authenticate(authorization);
    const missing = CONSOLE_READ_SCOPES.filter((scope) => !caller.scopes.has(scope));
    if (missing.length > 0) {
      throw new ManagementError(
        403,
        `Insufficient scope, the console needs all of: ${CONSOLE_READ_SCOPES.join(',')} (missing ${missing.join(',')})`,
        'insufficient_scope',
      );
    }
    await requireActiveUser(tenant, caller);
    return caller;
  };
}

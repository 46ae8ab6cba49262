import { ConfigError, type ConfigIssue } from '../errors.ts';
import type { Catalog } from './catalog.ts';
import { type IssueCollector, quote } from './issues.ts';
import type { TenantConfig } from './types.ts';

/*
 * Identifiers that must not be shared, because a token's `aud` is how an API recognises tokens meant
 * for it:
 * - an API identified as `<issuer>userinfo` would accept every access token that may call /userinfo
 *   (those carry that audience next to their API's), and one identified as `<issuer>api/v2/` would accept
 *   Management API tokens;
 * - an API identified by a client id would accept that client's ID tokens (their `aud` is the client id).
 * Which identifiers belong to the tenant depends on the issuer, unknown while the file is loaded: those
 * are checked when the tenant starts ({@link checkIssuerIdentifiers}) and when an API is created over
 * /api/v2; the client ids a file pins are checked at load ({@link checkApiClientIdCollisions}).
 */

/** Why `identifier` cannot be an API of the tenant at `issuer`, or undefined when it can. */
export function reservedIdentifierProblem(identifier: string, issuer: string): string | undefined {
  if (identifier === `${issuer}userinfo`) {
    return `${quote(identifier)} is this tenant's /userinfo endpoint, the second audience of its access tokens`;
  }
  if (identifier === `${issuer}api/v2/`) {
    return `${quote(identifier)} is the identifier of the Management API that authmesh provides`;
  }
  return undefined;
}

/** The message for an API identifier that is also a client id. */
export function clientIdCollision(identifier: string): string {
  return `API identifier ${quote(identifier)} is also a client_id: the API would accept that client's ID tokens`;
}

/** Load-time check: no API identifier equals a client_id the file pins. */
export function checkApiClientIdCollisions(catalog: Catalog, issues: IssueCollector): void {
  for (const [clientId, client] of catalog.clientIds) {
    const api = catalog.apis.get(clientId);
    if (api === undefined) continue;
    issues.error(
      [...api.path, 'identifier'],
      `${clientIdCollision(clientId)} (${issues.where([...client.path, 'client_id'])})`,
      'give the API an identifier that names it, e.g. https://orders.example.com, or pin another client_id',
    );
  }
}

/**
 * Start-time check, once the issuer is known: no API of the file is one of the tenant's own identifiers.
 *
 * @throws ConfigError `ERR_CONFIG_INVALID` listing each such API.
 */
export function checkIssuerIdentifiers(config: TenantConfig, issuer: string): void {
  const issues: ConfigIssue[] = [];
  config.resourceServers.forEach((api, i) => {
    const problem = reservedIdentifierProblem(api.identifier, issuer);
    if (problem === undefined) return;
    issues.push({
      file: config.source,
      path: `resourceServers[${i}].identifier`,
      message: problem,
      fix: 'give the API an identifier of its own, e.g. https://orders.example.com',
    });
  });
  if (issues.length > 0) throw new ConfigError(issues);
}

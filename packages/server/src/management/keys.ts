import { AuthmeshError } from '../errors.ts';
import type { TenantContext } from '../tenant/context.ts';
import { longestTokenLifetimeMs, type SigningKeyRing } from '../tenant/signing-key-ring.ts';
import { ManagementError } from './errors.ts';
import { viewSigningKey } from './signing-key-view.ts';
import type { ManagementRoute } from './types.ts';

export interface SigningKeyRouteDeps {
  tenant: TenantContext;
  ring: SigningKeyRing;
  /** How long a rotated-in key is published before it signs. */
  rotationDelayMs: number;
}

/**
 * Auth0's application signing keys (`/api/v2/keys/signing`): list, get by `kid`, rotate, revoke. A rotation
 * publishes the next key at once and makes it sign after the tenant's rotation delay; the keys it replaces
 * stay published until every token they signed has expired (tenant/signing-key-set.ts).
 */
export function signingKeyRoutes({ tenant, ring, rotationDelayMs }: SigningKeyRouteDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/keys/signing',
      scopes: ['read:signing_keys'],
      async handler() {
        await ring.refresh();
        const now = ring.now();
        const set = ring.set;
        // Newest first, as Auth0 lists them (the next key, the current one, then the older ones).
        const keys = [...set.keys].reverse();
        return { status: 200, body: await Promise.all(keys.map((k) => viewSigningKey(set, k, now, tenant.issuer))) };
      },
    },
    {
      method: 'GET',
      path: '/keys/signing/:kid',
      scopes: ['read:signing_keys'],
      async handler({ params }) {
        await ring.refresh();
        const key = ring.set.keys.find((k) => k.jwk.kid === params.kid);
        if (!key) throw keyNotFound();
        return { status: 200, body: await viewSigningKey(ring.set, key, ring.now(), tenant.issuer) };
      },
    },
    {
      method: 'POST',
      path: '/keys/signing/rotate',
      scopes: ['create:signing_keys', 'update:signing_keys'],
      async handler() {
        const next = await ring.rotate({
          delayMs: rotationDelayMs,
          retireAfterMs: longestTokenLifetimeMs(tenant.registry),
        });
        const view = await viewSigningKey(ring.set, next, ring.now(), tenant.issuer);
        return { status: 201, body: { cert: view.cert, kid: view.kid } };
      },
    },
    {
      method: 'PUT',
      path: '/keys/signing/:kid/revoke',
      scopes: ['update:signing_keys'],
      async handler({ params }) {
        try {
          const revoked = await ring.revoke(params.kid ?? '');
          const view = await viewSigningKey(ring.set, revoked, ring.now(), tenant.issuer);
          return { status: 200, body: { cert: view.cert, kid: view.kid } };
        } catch (error) {
          if (error instanceof AuthmeshError && error.code === 'ERR_SIGNING_KEY_NOT_FOUND') throw keyNotFound();
          if (error instanceof AuthmeshError && error.code === 'ERR_SIGNING_KEY') {
            throw new ManagementError(
              400,
              'The current signing key cannot be revoked: rotate it first.',
              'invalid_body',
            );
          }
          throw error;
        }
      },
    },
  ];
}

function keyNotFound(): ManagementError {
  return new ManagementError(404, 'Signing key not found', 'inexistent_key');
}

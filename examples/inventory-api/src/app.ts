import { type AuthVariables, auth, requirePermissions } from '@authmesh/api/hono';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type CatalogClient, CatalogError } from './catalog.ts';
import type { InventoryConfig } from './config.ts';

/**
 * API 3 of the reference system, on Hono: the warehouse's view of the catalog, for staff. Both routes
 * call API 1 (the catalog) with the API's own machine-to-machine token; adjusting stock is the one
 * thing in the system that may change the catalog, because only the Inventory Service was granted
 * `write:stock`.
 *
 * The routes check RBAC permissions (`permissions` claim) that only the Staff role grants: a customer's
 * token is refused with 403 `insufficient_scope`.
 *
 * @example
 * serve({ fetch: createApp(config, createCatalogClient(config)).fetch, port: 4003 }); // @hono/node-server
 */
export function createApp(config: InventoryConfig, catalog: CatalogClient): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  // First, so that preflights (sent without a token) are answered and refusals carry the headers too.
  app.use(
    cors({
      origin: (origin) => (origin === config.spaOrigin ? origin : null),
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type'],
      // The SDK explains refusals in WWW-Authenticate (RFC 6750); let the SPA read it.
      exposeHeaders: ['WWW-Authenticate'],
      maxAge: 600,
    }),
  );

  // Public routes come before auth(): they answer without calling next(), so it never runs for them.
  app.get('/health', (c) => c.json({ ok: true }));
  app.get('/debug/token-requests', (c) => c.json({ m2mTokenRequests: catalog.tokenRequests() }));

  app.use(auth({ issuerBaseURL: config.issuerBaseURL, audience: config.audience }));

  app.get('/inventory', requirePermissions('read:inventory'), async (c) => {
    const products = await catalog.listProducts();
    return c.json({ items: products.map(({ id, name, stock }) => ({ id, name, stock })) });
  });

  app.post('/inventory/adjustments', requirePermissions('adjust:inventory'), async (c) => {
    const input = parseAdjustment(await c.req.json().catch(() => undefined));
    if (!input) {
      return c.json(
        {
          error: 'invalid_request',
          error_description: 'The body must be {"productId": "…", "delta": <a non-zero integer>}.',
        },
        400,
      );
    }
    return c.json({ product: await catalog.adjustStock(input.productId, input.delta) });
  });

  app.notFound((c) => c.json({ error: 'not_found', error_description: 'No such route.' }, 404));
  app.onError((error, c) => {
    if (error instanceof CatalogError) {
      const body = { error: 'upstream_error', error_description: error.message, upstream_status: error.upstreamStatus };
      return c.json(body, error.status as ContentfulStatusCode);
    }
    console.error('inventory-api: unexpected error:', error);
    return c.json({ error: 'server_error', error_description: 'Something went wrong in the inventory API.' }, 500);
  });
  return app;
}

function parseAdjustment(body: unknown): { productId: string; delta: number } | undefined {
  const { productId, delta } = (body ?? {}) as { productId?: unknown; delta?: unknown };
  if (typeof productId !== 'string' || productId.length === 0 || productId.length > 100) return undefined;
  if (typeof delta !== 'number' || !Number.isSafeInteger(delta) || delta === 0) return undefined;
  return { productId, delta };
}

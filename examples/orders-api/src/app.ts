import { authmeshAuth, requirePermissions } from '@authmesh/api/fastify';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { type CatalogClient, CatalogError } from './catalog.ts';
import type { OrdersConfig } from './config.ts';
import { cors } from './cors.ts';
import type { CustomerPricesClient } from './customer-prices.ts';
import { createOrderStore, type OrderStore } from './orders.ts';

/** What the app talks to; tests may pass their own. */
export interface OrdersDependencies {
  catalog: CatalogClient;
  /** The catalog on the customer's behalf (token exchange); absent when the API has no Custom API client. */
  customerPrices?: CustomerPricesClient | undefined;
  orders?: OrderStore;
}

/**
 * API 2 of the reference system, on Fastify: a user's orders. Placing one calls API 1 (the catalog) with
 * the API's own machine-to-machine token to price it and check the stock; it never changes the catalog.
 * `GET /prices/mine` calls API 1 the other way, on the customer's behalf (token exchange): the catalog
 * then knows which customer asks, and that the Orders API acts for them.
 *
 * Both routes are for users: they check RBAC permissions (`permissions` claim), which the Customer and
 * Staff roles grant. A machine token has none, so it cannot read or place anybody's orders.
 *
 * @example
 * const app = await createApp(config, { catalog: createCatalogClient(config) });
 * await app.listen({ port: 4002 });
 */
export async function createApp(config: OrdersConfig, deps: OrdersDependencies): Promise<FastifyInstance> {
  const { catalog, customerPrices, orders = createOrderStore() } = deps;
  const app = Fastify({ bodyLimit: 1024 });
  app.addHook('onRequest', cors(config.spaOrigin));

  app.get('/health', async () => ({ ok: true }));
  app.get('/debug/token-requests', async () => ({
    m2mTokenRequests: catalog.tokenRequests(),
    tokenExchanges: customerPrices?.exchanges() ?? 0,
  }));

  // The plugin authenticates every route of the context it is registered in: this child context only.
  await app.register(async (api) => {
    await api.register(authmeshAuth, { issuerBaseURL: config.issuerBaseURL, audience: config.audience });

    api.get('/orders', { preHandler: requirePermissions('read:orders') }, async (request) => {
      return { orders: orders.listFor(request.auth!.subject) };
    });

    // The customer's own prices come from API 1 ON THE CUSTOMER'S BEHALF: the raw token the customer sent here
    // is exchanged for a catalog token that still names the customer (sub) and names this API as the actor.
    api.get('/prices/mine', { preHandler: requirePermissions('read:orders') }, async (request, reply) => {
      if (!customerPrices) {
        return fail(
          reply,
          503,
          'temporarily_unavailable',
          'Set ORDERS_API_CLIENT_ID and ORDERS_API_CLIENT_SECRET to the Orders API (client) credentials.',
        );
      }
      return customerPrices.pricesFor(request.auth!.token);
    });

    api.post('/orders', { preHandler: requirePermissions('create:orders') }, async (request, reply) => {
      const input = parseOrder(request.body);
      if (!input) return fail(reply, 400, 'invalid_request', 'The body must be {"productId": "…", "quantity": 1…100}.');
      const product = (await catalog.listProducts()).find((p) => p.id === input.productId);
      if (!product) return fail(reply, 404, 'not_found', `There is no product "${input.productId}".`);
      if (product.stock < input.quantity) {
        return fail(reply, 409, 'insufficient_stock', `Only ${product.stock} of "${product.name}" in stock.`);
      }
      const order = orders.place(request.auth!.subject, {
        productId: product.id,
        productName: product.name,
        unitPrice: product.price,
        quantity: input.quantity,
      });
      return reply.code(201).send(order);
    });
  });

  app.setNotFoundHandler((_request, reply) => fail(reply, 404, 'not_found', 'No such route.'));
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof CatalogError) {
      return reply.code(error.status).send({
        error: 'upstream_error',
        error_description: error.message,
        upstream_status: error.upstreamStatus,
      });
    }
    // Fastify's own 4xx: a body that is not JSON, too large, or of another content type.
    if (error.statusCode && error.statusCode < 500)
      return fail(reply, error.statusCode, 'invalid_request', error.message);
    console.error('orders-api: unexpected error:', error);
    return fail(reply, 500, 'server_error', 'Something went wrong in the orders API.');
  });
  return app;
}

function parseOrder(body: unknown): { productId: string; quantity: number } | undefined {
  const { productId, quantity } = (body ?? {}) as { productId?: unknown; quantity?: unknown };
  if (typeof productId !== 'string' || productId.length === 0 || productId.length > 100) return undefined;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 100) return undefined;
  return { productId, quantity };
}

function fail(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply.code(status).send({ error, error_description: description });
}

import { authmeshAuth, requireScopes } from '@authmesh/api/fastify';
import Fastify from 'fastify';

/**
 * A catalog API: every route needs a token for https://catalog.acme.test, /products also `read:products`.
 *
 * @example
 * const app = await createApp();
 * await app.listen({ port: 3000 });
 */
export async function createApp(issuerBaseURL = 'http://localhost:4000/') {
  const app = Fastify();
  await app.register(authmeshAuth, { issuerBaseURL, audience: 'https://catalog.acme.test' });
  app.get('/products', { preHandler: requireScopes('read:products') }, async (request) => {
    return { products: [], caller: request.auth?.subject };
  });
  return app;
}

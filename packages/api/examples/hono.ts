import { type AuthVariables, auth, requireScopes } from '@authmesh/api/hono';
import { Hono } from 'hono';

/**
 * A catalog API: every route needs a token for https://catalog.acme.test, /products also `read:products`.
 *
 * @example
 * serve({ fetch: createApp().fetch, port: 3000 }); // serve from @hono/node-server
 */
export function createApp(issuerBaseURL = 'http://localhost:4000/') {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use(auth({ issuerBaseURL, audience: 'https://catalog.acme.test' }));
  app.get('/products', requireScopes('read:products'), (c) => {
    return c.json({ products: [], caller: c.get('auth').subject });
  });
  return app;
}

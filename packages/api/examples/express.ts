import { auth, requireScopes } from '@authmesh/api/express';
import express from 'express';

/**
 * A catalog API: every route needs a token for https://catalog.acme.test, /products also `read:products`.
 *
 * @example
 * createApp().listen(3000);
 */
export function createApp(issuerBaseURL = 'http://localhost:4000/') {
  const app = express();
  app.use(auth({ issuerBaseURL, audience: 'https://catalog.acme.test' }));
  app.get('/products', requireScopes('read:products'), (req, res) => {
    res.json({ products: [], caller: req.auth?.subject });
  });
  return app;
}

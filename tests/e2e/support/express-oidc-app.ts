import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { auth, type ConfigParams, requiresAuth } from 'express-openid-connect';

/** A regular web app on 127.0.0.1, reached by the browser as http://localhost:<port> (its base URL). */
export interface ExpressOidcApp {
  /** The base URL, without a trailing slash, as express-openid-connect's quickstart writes it. */
  baseURL: string;
  /** Mounts the SDK with these settings (the app's port must be known first: it is in the tenant's callbacks). */
  configure(config: ConfigParams): void;
  close(): Promise<void>;
}

/**
 * An Express app with express-openid-connect, unchanged: the SDK's own /login, /callback and /logout
 * routes, and a few pages that show what the SDK knows as JSON for the browser test to read:
 * - `/` — `{ authenticated, user }` (the ID token's claims);
 * - `/profile` — behind `requiresAuth()`;
 * - `/token` — the access and refresh tokens (`?refresh=1` first refreshes through the SDK); a failed
 *   refresh answers 502 with the OAuth error the SDK got.
 */
export async function startExpressOidcApp(): Promise<ExpressOidcApp> {
  const app = express();
  const server: Server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseURL = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    baseURL,
    configure(config) {
      app.use(auth(config));
      app.get('/', (req, res) => {
        res.json({ authenticated: req.oidc.isAuthenticated(), user: req.oidc.user ?? null });
      });
      app.get('/profile', requiresAuth(), (req, res) => {
        res.json(req.oidc.user ?? null);
      });
      app.get('/token', requiresAuth(), async (req, res) => {
        try {
          let token = req.oidc.accessToken;
          if (token && req.query.refresh === '1') token = await token.refresh();
          res.json({ access_token: token?.access_token ?? null, refresh_token: req.oidc.refreshToken ?? null });
        } catch (error) {
          res.status(502).json({ error: (error as { error?: string }).error ?? String(error) });
        }
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

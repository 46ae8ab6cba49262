/**
 * The SDK: its Express adapter (`packages/api/src/express.ts`: `auth()` + `requireScopes()`) when that file
 * exists and exports `auth`; otherwise the core verifier in a six-line middleware. The start-up line says which.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createVerifier, errorResponse, requireScopes, type VerifierOptions } from '@authmesh/api';
import express, { type RequestHandler } from 'express';
import { AUDIENCE, ISSUER_BASE_URL, listen, products, REQUIRED_SCOPE } from './common.ts';

interface ExpressAdapter {
  auth?: (options: VerifierOptions) => RequestHandler;
  requireScopes?: (scopes: string | readonly string[]) => RequestHandler;
}

const options: VerifierOptions = { issuerBaseURL: ISSUER_BASE_URL, audience: AUDIENCE };
const adapterFile = join(import.meta.dirname, '../../../packages/api/src/express.ts');
const adapter: ExpressAdapter | undefined = existsSync(adapterFile)
  ? await import(pathToFileURL(adapterFile).href)
  : undefined;

const app = express();
if (adapter?.auth && adapter.requireScopes) {
  app.get('/products', adapter.auth(options), adapter.requireScopes([REQUIRED_SCOPE]), products);
  await listen(app, 'Express adapter: auth() + requireScopes()');
} else {
  const verifier = createVerifier(options);
  const canRead = requireScopes(REQUIRED_SCOPE);
  const core: RequestHandler = async (req, res, next) => {
    try {
      const auth = await verifier.authenticate({ headers: req.headers, url: req.url });
      canRead(auth);
      Object.assign(req, { auth });
    } catch (error) {
      const { status, headers, body } = errorResponse(error, verifier.realm);
      res.status(status).set(headers).json(body);
      return;
    }
    next();
  };
  const note = adapter?.auth ? 'adapter has auth() but no requireScopes(): ' : 'no Express adapter yet: ';
  app.get('/products', core, products);
  await listen(app, `${note}core createVerifier().authenticate() + requireScopes() in a middleware`);
}

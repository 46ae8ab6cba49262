/**
 * Baseline: Auth0's express-oauth2-jwt-bearer (from the workspace node_modules), as its README sets it up. It
 * hands refusals to next(err); the small error handler answers them as the SDK does (status, its
 * WWW-Authenticate header, JSON) instead of Express's default HTML page and stderr log. Only refusals reach it.
 */
import express, { type ErrorRequestHandler } from 'express';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';
import { AUDIENCE, ISSUER_BASE_URL, listen, products, REQUIRED_SCOPE } from './common.ts';

const app = express();
app.get(
  '/products',
  auth({ issuerBaseURL: ISSUER_BASE_URL, audience: AUDIENCE }),
  requiredScopes(REQUIRED_SCOPE),
  products,
);
const refusals: ErrorRequestHandler = (error, _req, res, _next) => {
  res
    .status(error.status ?? 500)
    .set(error.headers ?? {})
    .json({ error: error.code ?? 'server_error' });
};
app.use(refusals);
await listen(app, 'auth() + requiredScopes()');

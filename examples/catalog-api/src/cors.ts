import type { RequestHandler } from 'express';

/**
 * CORS for one browser origin (the SPA). Preflights are answered here, before `auth()`: browsers send
 * them without the Authorization header, so they must not need a token. The headers are set before any
 * route runs, so that refusals (401/403) carry them too and the SPA can read why it was refused.
 */
export function cors(origin: string): RequestHandler {
  return function corsForSpa(req, res, next) {
    res.vary('Origin');
    const allowed = req.headers.origin === origin;
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      // The SDK explains refusals in WWW-Authenticate (RFC 6750); let the SPA read it.
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    }
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (allowed) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.status(204).end();
      return;
    }
    next();
  };
}

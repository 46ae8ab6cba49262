import type { onRequestHookHandler } from 'fastify';

/**
 * CORS for one browser origin (the SPA), as a root `onRequest` hook. It runs before the authenticated
 * context's hook, so preflights (which browsers send without the Authorization header) are answered
 * without a token, and refusals (401/403) carry the headers too, letting the SPA read why.
 */
export function cors(origin: string): onRequestHookHandler {
  return function corsForSpa(request, reply, done) {
    reply.header('Vary', 'Origin');
    const allowed = request.headers.origin === origin;
    if (allowed) {
      reply.header('Access-Control-Allow-Origin', origin);
      // The SDK explains refusals in WWW-Authenticate (RFC 6750); let the SPA read it.
      reply.header('Access-Control-Expose-Headers', 'WWW-Authenticate');
    }
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      if (allowed) {
        reply.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        reply.header('Access-Control-Max-Age', '600');
      }
      reply.code(204).send();
      return;
    }
    done();
  };
}

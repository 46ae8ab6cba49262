import { auth, requireScopes } from '@authmesh/api/express';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { CatalogConfig } from './config.ts';
import { cors } from './cors.ts';
import { createProductStore, type ProductStore } from './products.ts';

/**
 * API 1 of the reference system, on Express: the product catalog. It calls nobody.
 *
 * - `GET /products` needs `read:products`: customers and staff hold it as an RBAC permission (the
 *   `permissions` claim), the Orders and Inventory services as a granted scope (the `scope` claim).
 *   `requireScopes` accepts either, which is what an API serving users and machines wants.
 * - `GET /prices/mine` needs `read:products` in a token that names a USER: the Orders API gets one by
 *   exchanging the user's orders token (on the user's behalf, RFC 8693). It logs the user and the actor.
 * - `POST /products/:id/stock` needs `write:stock`. No role has it, so no user token ever does: only the
 *   Inventory Service was granted it. The Orders Service's token is refused (least privilege).
 *
 * @example
 * createServer(createApp(readConfig(process.env))).listen(4001);
 */
export function createApp(config: CatalogConfig, store: ProductStore = createProductStore()): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(cors(config.spaOrigin));

  // Public routes come before auth(): it refuses every request without a valid token.
  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  // The catalog calls no other API, so it never asks the token endpoint for anything.
  app.get('/debug/token-requests', (_req, res) => {
    res.json({ m2mTokenRequests: 0 });
  });

  app.use(auth({ issuerBaseURL: config.issuerBaseURL, audience: config.audience }));
  app.use(logMachineCaller);

  app.get('/products', requireScopes('read:products'), (_req, res) => {
    res.json({ products: store.list() });
  });

  // The user's own prices: only a token that names a user will do, and the catalog records who acted for whom.
  // The Orders API calls this ON THE USER'S BEHALF (token exchange): `sub` is the user, `act` the Orders API.
  app.get('/prices/mine', requireScopes('read:products'), (req, res) => {
    const caller = req.auth!;
    if (caller.isMachine) {
      return fail(res, 403, 'insufficient_scope', 'Prices are per customer: call with a token that names a user.');
    }
    const actor = caller.actors[0];
    console.log(
      `catalog-api: ${req.method} ${req.path} for user ${caller.subject}` +
        (actor === undefined ? ' (called by the user)' : ` by ${actor} on the user's behalf`),
    );
    res.json({ customer: caller.subject, actors: caller.actors, prices: pricesFor(caller.subject, store.list()) });
  });

  // The body is parsed only after the token and the scope were checked: strangers' bodies are never read.
  app.post('/products/:id/stock', requireScopes('write:stock'), express.json({ limit: '1kb' }), (req, res) => {
    const delta = (req.body as { delta?: unknown } | undefined)?.delta;
    if (typeof delta !== 'number' || !Number.isSafeInteger(delta) || delta === 0) {
      return fail(res, 400, 'invalid_request', 'The body must be {"delta": <a non-zero integer>}.');
    }
    const id = String(req.params.id);
    const result = store.adjustStock(id, delta);
    if ('product' in result) return res.json(result.product);
    if (result.reason === 'not_found') return fail(res, 404, 'not_found', `There is no product "${id}".`);
    return fail(res, 400, 'negative_stock', `Stock of "${id}" is ${result.stock}; it cannot go below zero.`);
  });

  app.use((_req: Request, res: Response) => fail(res, 404, 'not_found', 'No such route.'));
  app.use(errorHandler);
  return app;
}

/** A member's price: the list price less the member discount, to the cent. */
export const MEMBER_DISCOUNT = 0.1;

/** What one customer pays. The same for every customer here; what matters is that the catalog knows who asks. */
function pricesFor(_customer: string, products: readonly { id: string; name: string; price: number }[]) {
  return products.map((p) => ({
    id: p.id,
    name: p.name,
    listPrice: p.price,
    yourPrice: Math.round(p.price * (1 - MEMBER_DISCOUNT) * 100) / 100,
  }));
}

/** The claim the tenant's credentials-exchange action adds (examples/actions/service-name-in-m2m-tokens). */
export const CLIENT_NAME_CLAIM = 'https://acme.test/client_name';

/** One line per machine-to-machine call, naming the calling service as its token does. */
const logMachineCaller: RequestHandler = (req, _res, next) => {
  if (req.auth?.isMachine) {
    const name = req.auth.claims[CLIENT_NAME_CLAIM];
    const caller = typeof name === 'string' ? `${name} (${req.auth.clientId})` : String(req.auth.clientId);
    console.log(`catalog-api: ${req.method} ${req.path} called by ${caller}`);
  }
  next();
};

function fail(res: Response, status: number, error: string, description: string): void {
  res.status(status).json({ error, error_description: description });
}

// Bodies that are not JSON arrive here from express.json(); anything else is a bug worth a log line.
const errorHandler: ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, _next) => {
  if (error.type === 'entity.parse.failed' || error.type === 'entity.too.large') {
    return fail(res, error.status ?? 400, 'invalid_request', 'The body must be a small JSON object.');
  }
  console.error('catalog-api: unexpected error:', error);
  fail(res, 500, 'server_error', 'Something went wrong in the catalog.');
};

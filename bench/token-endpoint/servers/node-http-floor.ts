/**
 * Target: the floor. node:http and one RS256 signature per request, and nothing else: no client check, no
 * grant, no claims logic, a fixed body. What any Node.js token server pays for HTTP and signing on this
 * machine, so that the authmesh row can be read against what is reachable at all: the gap between the two
 * is authmesh's own work (and its larger process: more for the GC to do). It signs as the tenant does, with
 * node:crypto on libuv's pool (FLOOR_SIGN=sync signs on the event loop instead, for comparison). Signs with
 * the private JWK from BENCH_KEY_FILE; prints its URL as the first stdout line.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const jwk = JSON.parse(readFileSync(process.env.BENCH_KEY_FILE ?? '', 'utf8'));
const key = createPrivateKey({ key: jwk, format: 'jwk' });
const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: jwk.kid })).toString('base64url');
const synchronous = process.env.FLOOR_SIGN === 'sync';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const iat = Math.floor(Date.now() / 1000);
    // The claims of the authmesh row's token (Auth0 dialect), in its member order.
    const claims = {
      iss: 'http://127.0.0.1/',
      sub: 'orders-m2m-0001@clients',
      aud: 'https://catalog.example.test',
      iat,
      exp: iat + 86_400,
      scope: 'read:catalog',
      gty: 'client-credentials',
      azp: 'orders-m2m-0001',
    };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const answer = (signature: Buffer) => {
      const body = `{"access_token":"${input}.${signature.toString('base64url')}","expires_in":86400,"token_type":"Bearer"}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (synchronous) answer(sign('RSA-SHA256', Buffer.from(input), key));
    else
      sign('RSA-SHA256', Buffer.from(input), key, (error, signature) =>
        error ? res.destroy(error) : answer(signature),
      );
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));

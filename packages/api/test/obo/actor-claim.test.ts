import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BearerError, createVerifier, type Verifier } from '../../src/index.ts';
import { FakeTenant, testClocks, trackingFetch } from '../core/support/fake-tenant.ts';
import { rsaKey, signJwt } from '../core/support/keys.ts';

/** On-behalf-of tokens name who acted in `act` (RFC 8693 §4.1): the verifier checks its shape and lists the chain. */

const API = 'https://catalog.example.test';
const key = rsaKey('k1');

let fake: FakeTenant;
let clocks: ReturnType<typeof testClocks>;
let verifier: Verifier;

beforeEach(async () => {
  fake = await FakeTenant.start({ keys: [key.jwk] });
  clocks = testClocks();
  verifier = createVerifier({ issuerBaseURL: fake.url, audience: API, fetch: trackingFetch().fetch }, clocks.internals);
});
afterEach(async () => {
  await fake.stop();
});

function token(claims: Record<string, unknown>): Promise<string> {
  return signJwt(key, {
    iss: fake.issuer,
    sub: 'auth0|alice',
    aud: API,
    iat: clocks.wall,
    exp: clocks.wall + 600,
    ...claims,
  });
}

async function refusal(claims: Record<string, unknown>): Promise<BearerError> {
  const outcome = await verifier.verify(await token(claims)).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof BearerError)) throw new Error(`expected a BearerError, got ${String(outcome)}`);
  return outcome;
}

describe('act', () => {
  it('a token without act has no actors', async () => {
    const auth = await verifier.verify(await token({}));
    expect(auth.actors).toEqual([]);
    expect(auth.claims.act).toBeUndefined();
  });

  it('an on-behalf-of token: the user is the subject, the calling API the first actor, the chain follows', async () => {
    const act = { sub: 'orders-api-client', act: { sub: 'gateway-client' } };
    const auth = await verifier.verify(await token({ act }));
    expect(auth.subject).toBe('auth0|alice');
    expect(auth.actors).toEqual(['orders-api-client', 'gateway-client']);
    expect(auth.claims.act?.sub).toBe('orders-api-client');
    expect(auth.claims.act?.act?.sub).toBe('gateway-client');
  });

  it.each([
    ['a string', 'orders-api-client'],
    ['a list', [{ sub: 'orders-api-client' }]],
    ['without sub', { client_id: 'orders-api-client' }],
    ['with an empty sub', { sub: '' }],
    ['with a malformed nested actor', { sub: 'orders-api-client', act: { sub: 42 } }],
  ])('act %s is refused as an invalid token', async (_, act) => {
    const error = await refusal({ act });
    expect(error.code).toBe('ERR_TOKEN_INVALID');
    expect(error.body().error_description).toBe('The token act claim is not a chain of actors with sub');
  });

  it('a chain deeper than ten actors is refused', async () => {
    let act: Record<string, unknown> = { sub: 'client-0' };
    for (let i = 1; i <= 10; i++) act = { sub: `client-${i}`, act };
    expect((await refusal({ act })).code).toBe('ERR_TOKEN_INVALID');
  });
});

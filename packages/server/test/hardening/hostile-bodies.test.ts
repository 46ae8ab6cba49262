import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_METADATA_BYTES } from '../../src/config/metadata-limits.ts';
import { jsonDepth, MAX_JSON_DEPTH, parseJson } from '../../src/encoding/json.ts';
import { AuthmeshError } from '../../src/errors.ts';
import type { Tenant } from '../../src/index.ts';
import { managementApiIdentifier } from '../../src/tenant/management-api.ts';
import { ADMIN, api, bind, errorBody, managementToken, startManagementTenant } from '../management/support.ts';
import { userAccessToken } from '../management/user-login.ts';
import { ALICE, openLoginPage } from '../security/helpers.ts';

/**
 * Hostile JSON bodies: nesting beyond 32 levels is refused with a 400 before any code recurses over it
 * (it used to be a 500 at the token endpoint and at POST /api/v2/users), and a user's metadata cannot
 * grow past 16 KB or 10 levels, not even one merge at a time.
 */
let tenant: Tenant;
let issuer: string;
let admin: ReturnType<typeof bind>;

beforeAll(async () => {
  tenant = await startManagementTenant();
  issuer = tenant.issuer;
  admin = bind(issuer, await managementToken(issuer, ADMIN));
});
afterAll(() => tenant?.close());

/** `levels` nested arrays: 20 000 levels are 40 KB, under every body size limit. */
const nested = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
/** `levels` nested objects (the outer object included). */
const nestedObject = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { next: value };
  return value;
};

describe('parseJson', () => {
  it('parses up to 32 levels and refuses 33 with ERR_JSON_TOO_DEEP; brackets inside strings do not count', () => {
    expect(parseJson(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    const tooDeep = (() => {
      try {
        parseJson(nested(MAX_JSON_DEPTH + 1));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(tooDeep).toBeInstanceOf(AuthmeshError);
    expect((tooDeep as AuthmeshError).code).toBe('ERR_JSON_TOO_DEEP');
    const bracketsInText = `[[[[{{{{\\"]]${'['.repeat(100)}`;
    expect(parseJson(JSON.stringify({ a: bracketsInText }))).toEqual({ a: bracketsInText });
    expect(jsonDepth('{"a":"\\"[[[","b":[{}]}')).toBe(3);
  });

  it('malformed JSON is ERR_JSON_MALFORMED', () => {
    expect(() => parseJson('{"a":')).toThrowError(expect.objectContaining({ code: 'ERR_JSON_MALFORMED' }));
  });
});

describe('nesting depth over HTTP', () => {
  it('token endpoint: a JSON body nested 20 000 levels → 400 invalid_request (was 500)', async () => {
    const response = await fetch(new URL('oauth/token', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"grant_type":"client_credentials","client_id":"x","extra":${nested(20_000)}}`,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error?: string }).error).toBe('invalid_request');
  });

  it('token endpoint: 33 levels are refused too, 32 reach the engine', async () => {
    const post = (levels: number) =>
      fetch(new URL('oauth/token', issuer), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"grant_type":"client_credentials","client_id":"nobody","client_secret":"x","extra":${nested(levels - 1)}}`,
      });
    const deep = await post(MAX_JSON_DEPTH + 1);
    expect(deep.status).toBe(400);
    expect(await deep.json()).toEqual({
      error: 'invalid_request',
      error_description: 'request body is nested deeper than 32 levels',
    });
    // Within the limit the body is parsed and the engine decides: an unknown client is a 401.
    const within = await post(MAX_JSON_DEPTH);
    await within.body?.cancel();
    expect(within.status).toBe(401);
  });

  it('/api/v2: a body nested 20 000 levels → 400 in Auth0 shape (POST /users used to answer 500)', async () => {
    const reply = await admin('POST', '/users', {
      rawBody: `{"connection":"Username-Password-Authentication","email":"deep@example.test","password":"deep password 1","user_metadata":{"a":${nested(20_000)}}}`,
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual(errorBody(400, /maximum depth of 32/, 'invalid_body'));
  });

  it('login: a JSON body nested 5 000 levels (the login body limit is 16 KiB) → 400 invalid_request; flat JSON logs in', async () => {
    const page = await openLoginPage(issuer);
    const reply = await page.browser.request(page.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"csrf":"${page.csrf}","username":${nested(5_000, '"x"')}}`,
    });
    expect(reply.status).toBe(400);
    expect(await reply.json()).toMatchObject({ error: 'invalid_request' });
    // A flat JSON login (what embedded login widgets post) goes through the same checks as the form.
    const flat = await page.browser.request(page.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csrf: page.csrf, ...ALICE }),
    });
    await flat.body?.cancel();
    expect(flat.status).toBe(303);
  });
});

describe('user metadata limits', () => {
  let userId: string;
  beforeAll(async () => {
    const created = await admin('POST', '/users', {
      body: {
        connection: 'Username-Password-Authentication',
        email: 'metadata@example.test',
        password: 'metadata password 1',
      },
    });
    expect(created.status).toBe(201);
    userId = (created.json as { user_id: string }).user_id;
  });
  const path = () => `/users/${encodeURIComponent(userId)}`;

  it('user_metadata deeper than 10 levels → 400 naming the field; 10 levels are accepted', async () => {
    const deep = await admin('PATCH', path(), { body: { user_metadata: { a: nestedObject(10) } } });
    expect(deep.status).toBe(400);
    expect(deep.json).toEqual(
      errorBody(400, /user_metadata nests 11 levels deep.*on property user_metadata/, 'invalid_body'),
    );
    const ok = await admin('PATCH', path(), { body: { user_metadata: { a: nestedObject(9) } } });
    expect(ok.status).toBe(200);
  });

  it('user_metadata cannot pass 16 KB, not even by merging one key at a time', async () => {
    const chunk = 'x'.repeat(4 * 1024);
    for (const key of ['k1', 'k2', 'k3']) {
      const reply = await admin('PATCH', path(), { body: { user_metadata: { [key]: chunk } } });
      expect(reply.status, key).toBe(200);
    }
    const over = await admin('PATCH', path(), { body: { user_metadata: { k4: chunk } } });
    expect(over.status).toBe(400);
    expect(over.json).toEqual(errorBody(400, new RegExp(`maximum of ${MAX_METADATA_BYTES}`), 'invalid_body'));
    const stored = await admin('GET', path());
    expect(Object.keys((stored.json as { user_metadata: object }).user_metadata)).not.toContain('k4');
  });

  it("a user's own token (update:current_user_metadata) is held to the same limits", async () => {
    const token = await userAccessToken(
      issuer,
      ALICE,
      managementApiIdentifier(issuer),
      'openid read:current_user update:current_user_metadata',
    );
    const aliceId = tenant.users.find((u) => u.email === ALICE.username)?.user_id ?? '';
    const own = `/users/${encodeURIComponent(aliceId)}`;
    const within = await api(issuer, 'PATCH', own, { token, body: { user_metadata: { theme: 'dark' } } });
    expect(within.status).toBe(200);
    const over = await api(issuer, 'PATCH', own, {
      token,
      body: { user_metadata: { blob: 'z'.repeat(MAX_METADATA_BYTES) } },
    });
    expect(over.status).toBe(400);
    expect(over.json).toEqual(errorBody(400, /user_metadata is \d+ bytes/, 'invalid_body'));
  });

  it('app_metadata has the same limits, and so does POST /users', async () => {
    const big = await admin('POST', '/users', {
      body: {
        connection: 'Username-Password-Authentication',
        email: 'big@example.test',
        password: 'metadata password 1',
        app_metadata: { blob: 'y'.repeat(MAX_METADATA_BYTES) },
      },
    });
    expect(big.status).toBe(400);
    expect(big.json).toEqual(errorBody(400, /app_metadata is \d+ bytes/, 'invalid_body'));
  });
});

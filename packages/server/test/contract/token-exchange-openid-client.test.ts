import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../src/create-tenant.ts';
import {
  ACCESS_TOKEN,
  ALICE,
  CATALOG,
  config,
  EXCHANGE,
  ORDERS,
  ORDERS_API_CLIENT,
  userToken,
} from './token-exchange-support.ts';

/*
 * openid-client v6, unchanged, performs the On-Behalf-Of exchange with its generic grant request (RFC 8693
 * has no dedicated helper there): client authentication, the form body and the response checks are its own.
 */
describe('openid-client v6 performs the On-Behalf-Of token exchange', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant({ config: config(), port: 0, dataDir: null });
  });
  afterAll(() => tenant?.close());

  it('exchanges the user token for a Catalog token naming the user and the Orders API client', async () => {
    const subject = await userToken(tenant, ALICE, ORDERS);
    const client = await oidc.discovery(
      new URL(tenant.issuer),
      ORDERS_API_CLIENT.id,
      undefined,
      oidc.ClientSecretPost(ORDERS_API_CLIENT.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const tokens = await oidc.genericGrantRequest(client, EXCHANGE, {
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN,
      requested_token_type: ACCESS_TOKEN,
      audience: CATALOG,
      scope: 'read:catalog',
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.issued_token_type).toBe(ACCESS_TOKEN);
    expect(tokens.expiresIn()).toBeGreaterThan(3590);
    const payload = decodeJwt(tokens.access_token);
    expect(payload.sub).toBe(decodeJwt(subject).sub);
    expect(payload.aud).toBe(CATALOG);
    expect(payload.act).toEqual({ sub: `${ORDERS_API_CLIENT.id}@clients`, client_id: ORDERS_API_CLIENT.id });
  });

  it('surfaces a refusal as its ResponseBodyError with the OAuth error code', async () => {
    const client = await oidc.discovery(
      new URL(tenant.issuer),
      ORDERS_API_CLIENT.id,
      undefined,
      oidc.ClientSecretPost(ORDERS_API_CLIENT.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const refusal = await oidc
      .genericGrantRequest(client, EXCHANGE, {
        subject_token: await userToken(tenant, ALICE, CATALOG),
        subject_token_type: ACCESS_TOKEN,
        audience: CATALOG,
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refusal).toBeInstanceOf(oidc.ResponseBodyError);
    expect((refusal as oidc.ResponseBodyError).error).toBe('invalid_request');
    expect((refusal as oidc.ResponseBodyError).status).toBe(400);
  });
});

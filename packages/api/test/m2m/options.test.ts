import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createM2MClient, createOnBehalfOfClient, type M2MClientOptions, OptionsError } from '../../src/m2m/index.ts';

const BASE: M2MClientOptions = {
  issuerBaseURL: 'https://tenant.example.test/',
  clientId: 'svc',
  clientSecret: 's3cr3t-value',
};

function optionsError(options: unknown): OptionsError {
  try {
    createM2MClient(options as M2MClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).code).toBe('ERR_OPTIONS_INVALID');
    return error as OptionsError;
  }
  throw new Error('expected createM2MClient to throw');
}

describe('options are validated at construction, and the message names the option and the fix', () => {
  it('issuerBaseURL must be an absolute http(s) URL', () => {
    expect(optionsError({ ...BASE, issuerBaseURL: 'tenant.example.test' }).message).toMatch(
      /issuerBaseURL "tenant\.example\.test" is not an absolute http\(s\) URL; write it in full, e\.g\. "https:\/\//,
    );
    expect(optionsError({ ...BASE, issuerBaseURL: 'ftp://tenant.example.test/' }).message).toMatch(/issuerBaseURL/);
    expect(optionsError({ ...BASE, issuerBaseURL: undefined }).message).toMatch(
      /issuerBaseURL must be an absolute URL/,
    );
  });

  it('http is refused for non-loopback hosts, with the reason', () => {
    expect(optionsError({ ...BASE, issuerBaseURL: 'http://tenant.example.test/' }).message).toBe(
      'createM2MClient: issuerBaseURL "http://tenant.example.test/" uses http:, which is allowed only for loopback hosts ' +
        '(localhost, 127.0.0.0/8, [::1]) because client credentials and tokens would cross the network unencrypted; use https://',
    );
    expect(optionsError({ ...BASE, issuerBaseURL: 'http://10.0.0.5:4000/' }).message).toMatch(/loopback/);
    expect(optionsError({ ...BASE, issuerBaseURL: 'http://localhost.evil.test/' }).message).toMatch(/loopback/);
    expect(optionsError({ ...BASE, issuerBaseURL: 'http://127.0.0.1.nip.io/' }).message).toMatch(/loopback/);
  });

  it('http is allowed for localhost, 127.0.0.0/8 and [::1]', () => {
    for (const issuerBaseURL of [
      'http://localhost:4000/',
      'http://127.0.0.1:4000/',
      'http://127.9.8.7/',
      'http://[::1]:4000/',
    ]) {
      expect(() => createM2MClient({ ...BASE, issuerBaseURL })).not.toThrow();
    }
  });

  it('credentials, query or fragment in the URL are refused', () => {
    expect(optionsError({ ...BASE, issuerBaseURL: 'https://svc:pw@tenant.example.test/' }).message).toMatch(
      /must not contain credentials/,
    );
    expect(optionsError({ ...BASE, issuerBaseURL: 'https://tenant.example.test/?x=1' }).message).toMatch(
      /query or fragment/,
    );
  });

  it('tokenEndpoint follows the same rules', () => {
    expect(optionsError({ ...BASE, tokenEndpoint: 'http://tenant.example.test/oauth/token' }).message).toMatch(
      /tokenEndpoint .* uses http:/,
    );
  });

  it('exactly one of clientSecret and privateKey', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const both = optionsError({ ...BASE, privateKey });
    expect(both.message).toMatch(
      /pass exactly one of clientSecret \(client_secret_post\) and privateKey \(private_key_jwt\)/,
    );
    expect(optionsError({ ...BASE, clientSecret: undefined }).message).toMatch(/exactly one of clientSecret/);
    expect(optionsError({ ...BASE, clientSecret: '' }).message).toMatch(/clientSecret must be a non-empty string/);
  });

  it('privateKey must be an RSA private key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const withKey = (privateKey: unknown) => ({ ...BASE, clientSecret: undefined, privateKey });
    expect(optionsError(withKey(ec.privateKey)).message).toMatch(
      /privateKey is a private ec key; pass an RSA private key/,
    );
    expect(optionsError(withKey(rsa.publicKey)).message).toMatch(/privateKey is a public rsa key/);
    expect(optionsError(withKey({ kty: 'RSA', n: 'x', e: 'AQAB' })).message).toMatch(/not a private RSA JWK/);
    expect(optionsError(withKey({ kty: 'RSA', n: 'x', e: 'AQAB', d: 'y' })).message).toMatch(
      /JWK that cannot be imported/,
    );
    expect(optionsError(withKey('-----BEGIN PRIVATE KEY-----')).message).toMatch(
      /unsupported type.*createPrivateKey\(pem\)/,
    );
  });

  it('clientId must be a non-empty string', () => {
    expect(optionsError({ ...BASE, clientId: ' ' }).message).toMatch(/clientId must be a non-empty string/);
  });

  it('numbers are range-checked and the default is shown', () => {
    expect(optionsError({ ...BASE, timeoutMs: 0 }).message).toBe(
      'createM2MClient: timeoutMs must be a number ≥ 1; got 0 (default 5000)',
    );
    expect(optionsError({ ...BASE, retry: { maxRetries: 1.5 } }).message).toMatch(
      /retry\.maxRetries must be an integer between 0 and 10/,
    );
    expect(optionsError({ ...BASE, retry: { maxDelayMs: 100 } }).message).toMatch(
      /retry\.maxDelayMs must be a number ≥ 500/,
    );
    expect(optionsError({ ...BASE, retry: { deadlineMs: Number.NaN } }).message).toMatch(/retry\.deadlineMs/);
    expect(optionsError({ ...BASE, refreshAhead: { lifetimeFraction: 0.9 } }).message).toMatch(
      /refreshAhead\.lifetimeFraction must be a number between 0 and 0\.5/,
    );
    expect(optionsError({ ...BASE, refreshAhead: true }).message).toMatch(/refreshAhead must be false or an object/);
  });

  it('hooks and the store must have the right shape', () => {
    expect(optionsError({ ...BASE, store: { get() {} } }).message).toMatch(
      /store must be an object with get, set, delete, acquire and release/,
    );
    expect(optionsError({ ...BASE, fetch: 'fetch' }).message).toMatch(/fetch must be a fetch function/);
    expect(optionsError({ ...BASE, clock: () => 0 }).message).toMatch(/clock must be an object with now\(\)/);
    expect(optionsError({ ...BASE, onEvent: {} }).message).toMatch(/onEvent must be a function/);
  });

  it('an issuer without trailing slash gets one; the token endpoint keeps a path prefix', async () => {
    const seen: string[] = [];
    const fetchSpy: typeof fetch = async (input) => {
      seen.push(String(input));
      return Response.json({ access_token: 'x', token_type: 'Bearer', expires_in: 60 });
    };
    await createM2MClient({ ...BASE, issuerBaseURL: 'https://tenant.example.test/t1', fetch: fetchSpy }).getToken({
      audience: 'a',
    });
    expect(seen).toEqual(['https://tenant.example.test/t1/oauth/token']);
  });
});

describe('the On-Behalf-Of client validates the same options under its own name', () => {
  it('names createOnBehalfOfClient, not createM2MClient, in its messages', () => {
    const messages = [
      { ...BASE, clientId: '' },
      { ...BASE, issuerBaseURL: 'http://tenant.example.test/' },
      { ...BASE, clientSecret: undefined },
      { ...BASE, timeoutMs: 0 },
    ].map((options) => {
      try {
        createOnBehalfOfClient(options as M2MClientOptions);
      } catch (error) {
        expect((error as OptionsError).code).toBe('ERR_OPTIONS_INVALID');
        return (error as Error).message;
      }
      throw new Error('expected createOnBehalfOfClient to throw');
    });
    for (const message of messages) expect(message).toMatch(/^createOnBehalfOfClient: /);
  });
});

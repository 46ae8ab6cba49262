import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hidesIds, storageKey, withId, withoutId } from '../../src/engine/bearer-ids.ts';

const ID = 'Zk3p9QwXr7TtYb2Lm5Nc8Vd1Hs4Jf6Ga0Ue';

describe('bearer ids at rest', () => {
  it('keys a record by the SHA-256 of its id, never the id', () => {
    expect(storageKey(ID)).toBe(createHash('sha256').update(ID).digest('base64url'));
    expect(storageKey(ID)).not.toContain(ID);
  });

  it('hides the ids of every model but Grant, whose id names a token family and is revoked by it', () => {
    for (const model of ['AuthorizationCode', 'RefreshToken', 'AccessToken', 'Session', 'Interaction']) {
      expect(hidesIds(model)).toBe(true);
    }
    expect(hidesIds('Grant')).toBe(false);
  });

  it('takes the id out of every string of the payload and puts it back exactly', () => {
    const payload = {
      jti: ID,
      returnTo: `https://tenant.test/authorize/${ID}?again=${ID}`,
      nested: [{ note: 'no id here', exp: 10, flag: true, none: null }],
      kind: 'Interaction',
    };
    const stored = withoutId('Interaction', ID, payload);
    expect(JSON.stringify(stored)).not.toContain(ID);
    expect(withId(stored, ID)).toStrictEqual(payload);
  });

  it("drops an interaction's session cookie: the value of another record's bearer id", () => {
    const payload = { jti: ID, session: { accountId: 'auth0|1', uid: 'u1', cookie: 'session-cookie-value' } };
    const stored = withoutId('Interaction', ID, payload);
    expect(JSON.stringify(stored)).not.toContain('session-cookie-value');
    expect(withId(stored, ID)).toStrictEqual({ jti: ID, session: { accountId: 'auth0|1', uid: 'u1' } });
  });

  it('without the id (a lookup by uid) the strings that held it are left out', () => {
    const stored = withoutId('Session', ID, { jti: ID, uid: 'u1', accountId: 'auth0|1' });
    expect(withId(stored, undefined)).toStrictEqual({ uid: 'u1', accountId: 'auth0|1' });
  });

  it('refuses a payload that already uses the reserved key, so that reading back is unambiguous', () => {
    expect(() => withoutId('Session', ID, { params: { 'authmesh:id-parts': ['a'] } })).toThrow(
      expect.objectContaining({ code: 'ERR_STORAGE' }),
    );
  });
});

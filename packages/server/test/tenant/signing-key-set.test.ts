import { describe, expect, it } from 'vitest';
import type { AuthmeshError } from '../../src/errors.ts';
import { generateSigningKey } from '../../src/tenant/keys.ts';
import { currentKey, initialKeySet, phaseOf, publishedKeys, revoke, rotate } from '../../src/tenant/signing-key-set.ts';

const T0 = 1_800_000_000_000;
const timing = { delayMs: 60_000, retireAfterMs: 3_600_000 };
const first = generateSigningKey();
const second = generateSigningKey();
const third = generateSigningKey();

const kids = (keys: { jwk: { kid: string } }[]) => keys.map((k) => k.jwk.kid);

describe('signing key set', () => {
  it('publishes the next key at once, signs with it after the delay, keeps the old one until its tokens expired', () => {
    const set = rotate(initialKeySet([first], T0), second, T0, timing);

    expect(currentKey(set, T0)?.jwk.kid).toBe(first.kid);
    expect(kids(publishedKeys(set, T0))).toEqual([first.kid, second.kid]);
    expect(phaseOf(set, set.keys[1] as never, T0)).toBe('next');

    const activation = T0 + timing.delayMs;
    expect(currentKey(set, activation - 1)?.jwk.kid).toBe(first.kid);
    expect(currentKey(set, activation)?.jwk.kid).toBe(second.kid);
    expect(kids(publishedKeys(set, activation))).toEqual([second.kid, first.kid]);
    expect(phaseOf(set, set.keys[0] as never, activation)).toBe('previous');

    const retirement = activation + timing.retireAfterMs;
    expect(kids(publishedKeys(set, retirement - 1))).toEqual([second.kid, first.kid]);
    expect(kids(publishedKeys(set, retirement))).toEqual([second.kid]);
    expect(phaseOf(set, set.keys[0] as never, retirement)).toBe('retired');
  });

  it('a second rotation during the delay retires both older keys after the newest activates', () => {
    const once = rotate(initialKeySet([first], T0), second, T0, timing);
    const twice = rotate(once, third, T0 + 10_000, timing);
    const lastActivation = T0 + 10_000 + timing.delayMs;

    expect(currentKey(twice, T0 + timing.delayMs)?.jwk.kid).toBe(second.kid);
    expect(currentKey(twice, lastActivation)?.jwk.kid).toBe(third.kid);
    // The first key keeps the retirement of the first rotation; the second one gets the later one.
    expect(twice.keys[0]?.retires_at).toBe(T0 + timing.delayMs + timing.retireAfterMs);
    expect(twice.keys[1]?.retires_at).toBe(lastActivation + timing.retireAfterMs);
    expect(kids(publishedKeys(twice, lastActivation + timing.retireAfterMs))).toEqual([third.kid]);
  });

  it('revoking removes a key from the JWKS at once; the current key cannot be revoked', () => {
    const set = rotate(initialKeySet([first], T0), second, T0, timing);
    const later = T0 + timing.delayMs;

    const revoked = revoke(set, first.kid, later);
    expect(kids(publishedKeys(revoked, later))).toEqual([second.kid]);
    expect(phaseOf(revoked, revoked.keys[0] as never, later)).toBe('revoked');

    expect(() => revoke(set, second.kid, later)).toThrow(
      expect.objectContaining({ code: 'ERR_SIGNING_KEY' }) as AuthmeshError,
    );
    expect(() => revoke(set, 'no-such-kid', later)).toThrow(
      expect.objectContaining({ code: 'ERR_SIGNING_KEY_NOT_FOUND' }) as AuthmeshError,
    );
  });

  it('a negative delay is refused', () => {
    expect(() => rotate(initialKeySet([first], T0), second, T0, { ...timing, delayMs: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_SIGNING_KEY' }) as AuthmeshError,
    );
  });
});

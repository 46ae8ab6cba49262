import { createHash } from 'node:crypto';
import { AuthmeshError } from '../errors.ts';

/*
 * Engine records whose id is a bearer value (authorization codes, refresh and opaque access tokens, session
 * cookies, interaction ids...) are kept in storage under a SHA-256 of the id, and the id is taken out of the
 * payload, so that a copy of the database redeems nothing. The ids are random and high-entropy, so an
 * unsalted hash cannot be reversed; `find(id)` knows the id and puts it back.
 *
 * Besides `jti`, oidc-provider copies the id into other payload strings (an interaction's `returnTo` URL),
 * so every string containing the id is stored as the parts around it. An interaction also carries the
 * cookie value of its session (`session.cookie`), a bearer value of another record that the engine never
 * reads back: it is dropped.
 */

/** Models whose id is not a credential: a grant id only names a token family (and is revoked by that name). */
const CLEAR_ID_MODELS: ReadonlySet<string> = new Set(['Grant']);

/** Stands for a string that contained the id: the parts around each occurrence. */
const ID_PARTS = 'authmesh:id-parts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** True when this model's ids are stored hashed. */
export function hidesIds(model: string): boolean {
  return !CLEAR_ID_MODELS.has(model);
}

/** The storage key of a bearer id: SHA-256, base64url. */
export function storageKey(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** The payload as stored: without the id (anywhere) nor an interaction's session cookie. */
export function withoutId(model: string, id: string, payload: Record<string, unknown>): Record<string, unknown> {
  const stored = replaceId(payload as Json, id) as Record<string, unknown>;
  const session = stored.session;
  if (model === 'Interaction' && isObject(session) && 'cookie' in session) {
    const { cookie: _cookie, ...rest } = session;
    stored.session = rest;
  }
  return stored;
}

/**
 * The payload as the engine wrote it, the id put back. Without the id (a lookup by uid), the strings that
 * held it are left out: a session found by uid is only compared, never saved under its own id.
 */
export function withId(stored: Record<string, unknown>, id: string | undefined): Record<string, unknown> {
  return restoreId(stored as Json, id) as Record<string, unknown>;
}

function replaceId(value: Json, id: string): Json {
  if (typeof value === 'string') return value.includes(id) ? { [ID_PARTS]: value.split(id) } : value;
  if (Array.isArray(value)) return value.map((item) => replaceId(item, id));
  if (!isObject(value)) return value;
  if (ID_PARTS in value) {
    // Never produced by the engine; refusing it keeps the encoding unambiguous.
    throw new AuthmeshError('ERR_STORAGE', `engine payload holds the reserved key "${ID_PARTS}"`);
  }
  const out: Record<string, Json> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = replaceId(item, id);
  return out;
}

function restoreId(value: Json, id: string | undefined): Json | undefined {
  if (Array.isArray(value)) return value.map((item) => restoreId(item, id) ?? null);
  if (!isObject(value)) return value;
  const parts = value[ID_PARTS];
  if (Array.isArray(parts)) return id === undefined ? undefined : parts.join(id);
  const out: Record<string, Json> = {};
  for (const [key, item] of Object.entries(value)) {
    const restored = restoreId(item, id);
    if (restored !== undefined) out[key] = restored;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { valueDepth } from '../encoding/json.ts';

/*
 * Limits on a user's `user_metadata` and `app_metadata`. A user may write their own `user_metadata`
 * (`update:current_user_metadata`), so without limits one end user could grow their profile until
 * `authmesh export` or a page of `GET /api/v2/users` becomes unusable for everyone.
 *
 * Auth0 hard-limits each metadata object to 16 MB but names 16 kB as the practical upper limit
 * ("What is the Maximum Size of user_metadata and app_metadata Profiles",
 * https://support.auth0.com/center/s/article/What-is-the-maximum-size-of-user-metadata-and-app-metadata-profiles),
 * and now caps a whole serialized profile at 10 KB plus an allowance
 * (https://auth0.com/docs/troubleshoot/product-lifecycle/deprecations-and-migrations/migrate-oversized-user-profiles).
 * authmesh enforces the 16 kB figure. Auth0 documents no depth limit; 10 levels is authmesh's own bound,
 * far more than profile data needs.
 */

/** Largest serialized (UTF-8 JSON) size of one metadata object, in bytes. */
export const MAX_METADATA_BYTES = 16 * 1024;

/** Deepest nesting of one metadata object; the object itself is level 1. */
export const MAX_METADATA_DEPTH = 10;

/** Why `metadata` is over the limits, in one sentence, or undefined when it is within them. */
export function metadataProblem(field: string, metadata: Record<string, unknown>): string | undefined {
  const depth = valueDepth(metadata);
  if (depth > MAX_METADATA_DEPTH) {
    return `${field} nests ${depth} levels deep, more than the maximum of ${MAX_METADATA_DEPTH}`;
  }
  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  if (bytes > MAX_METADATA_BYTES) {
    return `${field} is ${bytes} bytes as JSON, more than the maximum of ${MAX_METADATA_BYTES}`;
  }
  return undefined;
}

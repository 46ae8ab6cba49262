import * as z from 'zod';

/*
 * Auth0's `client_metadata`: an application's own key/value strings, given to its actions as
 * `event.client.metadata`. Auth0's limits: string values, keys and values of at most 255 characters
 * ("Configure Application Metadata", https://auth0.com/docs/get-started/applications/configure-application-metadata),
 * at most 10 properties (the Management API's ClientMetadata schema,
 * https://auth0.com/docs/api/management/v2/clients/post-clients).
 * A PATCH merges at the first level, and a key sent as `null` is removed (as Auth0's API does for
 * client_metadata; the Terraform provider relies on it to delete keys).
 */

/** Most properties one client's metadata may have. */
export const CLIENT_METADATA_MAX_KEYS = 10;
/** Longest key, and longest value, in characters. */
export const CLIENT_METADATA_MAX_LENGTH = 255;

/** Auth0's message for more than the allowed properties. */
export function tooManyMetadataKeys(count: number): string {
  return `Too many properties defined (${count}), maximum ${CLIENT_METADATA_MAX_KEYS}`;
}

function checkKeys(metadata: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  const keys = Object.keys(metadata);
  for (const key of keys) {
    if (key.length > CLIENT_METADATA_MAX_LENGTH) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `Property name is too long (${key.length} chars), maximum ${CLIENT_METADATA_MAX_LENGTH}`,
      });
    }
  }
}

/** `client_metadata` of a whole client (tenant.yaml, POST /clients). */
export const clientMetadataSchema = z
  .record(z.string(), z.string().max(CLIENT_METADATA_MAX_LENGTH))
  .superRefine((metadata, ctx) => {
    checkKeys(metadata, ctx);
    const count = Object.keys(metadata).length;
    if (count > CLIENT_METADATA_MAX_KEYS) ctx.addIssue({ code: 'custom', message: tooManyMetadataKeys(count) });
  });

/** `client_metadata` of a PATCH /clients: `null` removes a key; the count is checked after the merge. */
export const clientMetadataPatchSchema = z
  .record(z.string(), z.string().max(CLIENT_METADATA_MAX_LENGTH).nullable())
  .superRefine(checkKeys);

/** The stored metadata with a PATCH's keys set, and removed where the PATCH sends `null`. */
export function mergeClientMetadata(
  stored: Readonly<Record<string, string>> | undefined,
  patch: Readonly<Record<string, string | null>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...stored };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

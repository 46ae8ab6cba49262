import type { IncomingMessage } from 'node:http';
import { MAX_JSON_DEPTH, parseJson } from '../encoding/json.ts';
import { AuthmeshError } from '../errors.ts';
import { BodyError, readBody } from '../http/body.ts';
import { ManagementError } from './errors.ts';

/** Management request bodies above this are refused (Auth0 uses the same order of magnitude). */
export const MAX_MANAGEMENT_BODY_BYTES = 100 * 1024;

/**
 * Reads a Management API request body: JSON only, at most 100 KiB, nested at most {@link MAX_JSON_DEPTH} deep. An empty body gives undefined (the
 * route's validation then says what is missing), as do requests without one (`rotate-secret`).
 * The texts are those of Auth0's HTTP layer (hapi).
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_MANAGEMENT_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyError && error.status === 413) {
      throw new ManagementError(
        413,
        `Payload content length greater than maximum allowed: ${MAX_MANAGEMENT_BODY_BYTES}`,
        'payload_too_large',
      );
    }
    throw error;
  }
  if (raw.length === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ManagementError(415, 'Unsupported Media Type', 'unsupported_media_type');
  }
  try {
    return parseJson(raw.toString('utf8'));
  } catch (error) {
    if (error instanceof AuthmeshError && error.code === 'ERR_JSON_TOO_DEEP') {
      // Auth0's /api/v2 code for a payload it cannot use; the 500 a deep body used to cause is gone.
      throw new ManagementError(400, `Payload nesting exceeds the maximum depth of ${MAX_JSON_DEPTH}`, 'invalid_body');
    }
    throw new ManagementError(400, 'Invalid request payload JSON format', 'invalid_body');
  }
}

import type { IncomingMessage } from 'node:http';
import { parseJson } from '../encoding/json.ts';
import { AuthmeshError } from '../errors.ts';
import { BodyError, readBody } from '../http/body.ts';

/** A login form is a few short fields; anything larger is not one. */
const MAX_LOGIN_BODY_BYTES = 16 * 1024;

/** The submitted fields, or the answer to give instead (`error` is sent as OAuth's JSON error). */
export type LoginFormResult = { form: URLSearchParams } | { status: number; error?: string };

/**
 * Reads the login POST: the browser's urlencoded form, or a JSON object of string fields (what embedded
 * login widgets post). JSON goes through the depth-limited parser, so a hostile body gets 400
 * `invalid_request` instead of reaching code that recurses; nested values are not login fields and are
 * dropped.
 */
export async function readLoginForm(req: IncomingMessage): Promise<LoginFormResult> {
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_LOGIN_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyError) return { status: error.status };
    throw error;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return { form: new URLSearchParams(raw.toString('utf8')) };
  let parsed: unknown;
  try {
    parsed = parseJson(raw.toString('utf8'));
  } catch (error) {
    if (error instanceof AuthmeshError) return { status: 400, error: error.message };
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { status: 400, error: 'the login body is not a JSON object' };
  }
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') form.set(key, value);
  return { form };
}

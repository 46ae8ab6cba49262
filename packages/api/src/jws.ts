import { BearerError } from './errors.ts';

export interface ParsedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Compact JWS: three base64url segments, the last may be empty only in forgeries (rejected later). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Structural checks before any cryptography, cheapest first: length cap (a megabyte of dots costs jose
 * ~80 ms), shape (JWE and JSON serialization are refused outright), then base64url + JSON decoding of
 * header and payload. The regex is linear: one character class per segment, no nesting.
 */
export function parseCompactJws(token: string, maxLength: number): ParsedJws {
  if (token.length > maxLength) throw invalid('too_large', 'The token is too large');
  if (!COMPACT_JWS.test(token)) {
    const segments = token.split('.', 6).length;
    throw invalid(
      segments === 5 || token.startsWith('{') ? 'unsupported_format' : 'malformed',
      segments === 5 ? 'Encrypted tokens (JWE) are not accepted' : 'The token is not a compact JWS',
    );
  }
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  const header = decodeJson(token.slice(0, first), 'header');
  const payload = decodeJson(token.slice(first + 1, second), 'payload');
  return {
    header,
    payload,
    signingInput: token.slice(0, second),
    signature: Buffer.from(token.slice(second + 1), 'base64url'),
  };
}

function decodeJson(segment: string, part: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw invalid('malformed', `The token ${part} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('malformed', `The token ${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function invalid(reason: 'too_large' | 'malformed' | 'unsupported_format', description: string): BearerError {
  return new BearerError('ERR_TOKEN_INVALID', description, { reason });
}

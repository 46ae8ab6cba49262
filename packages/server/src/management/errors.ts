import { STATUS_CODES } from 'node:http';

/** Extras of a {@link ManagementError}: Auth0's `attributes` (401s) and response headers (429, 405...). */
export interface ManagementErrorOptions {
  attributes?: Readonly<Record<string, string>>;
  headers?: Readonly<Record<string, string>>;
}

/**
 * An error of the Management API, in Auth0's shape:
 * `{"statusCode":404,"error":"Not Found","message":"The client does not exist","errorCode":"inexistent_client"}`.
 * `error` is the HTTP reason phrase; `errorCode` is absent on some errors (Auth0 omits it on 401s).
 * Messages never contain secrets: they name fields, not their values.
 *
 * @example
 * ```ts
 * throw new ManagementError(409, 'A resource server with the same identifier already exists.', 'conflict');
 * ```
 */
export class ManagementError extends Error {
  readonly statusCode: number;
  readonly errorCode: string | undefined;
  readonly attributes: Readonly<Record<string, string>> | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, message: string, errorCode?: string, options: ManagementErrorOptions = {}) {
    super(message);
    this.name = 'ManagementError';
    this.statusCode = statusCode;
    this.errorCode = errorCode;
    this.attributes = options.attributes;
    this.headers = options.headers ?? {};
  }

  /** The JSON body Auth0 sends for this error. */
  toBody(): Record<string, unknown> {
    return {
      statusCode: this.statusCode,
      error: STATUS_CODES[this.statusCode] ?? 'Error',
      message: this.message,
      ...(this.errorCode === undefined ? {} : { errorCode: this.errorCode }),
      ...(this.attributes === undefined ? {} : { attributes: this.attributes }),
    };
  }
}

/** 400 `invalid_body`: `Payload validation error: '<what>' on property <path>.` */
export function invalidBody(what: string, property?: string): ManagementError {
  const on = property ? ` on property ${property}` : '';
  return new ManagementError(400, `Payload validation error: '${what}'${on}.`, 'invalid_body');
}

/** 400 `invalid_query_string`: `Query validation error: '<what>' on property <name>.` */
export function invalidQuery(what: string, property: string): ManagementError {
  return new ManagementError(400, `Query validation error: '${what}' on property ${property}.`, 'invalid_query_string');
}

/** 409 for a uniqueness clash. */
export function conflict(message: string): ManagementError {
  return new ManagementError(409, message, 'conflict');
}

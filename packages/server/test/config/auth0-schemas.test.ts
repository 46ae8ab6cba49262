import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import {
  clientGrantSchema,
  clientSchema,
  resourceServerSchema,
  roleSchema,
  tenantSchema,
} from '../../src/config/schema.ts';

/**
 * "Every field of Auth0's schemas is accepted", checked against Auth0's own description of them: the
 * request and response types of the official Management API SDK (`auth0`, pinned in package.json). A
 * field Auth0 adds shows up here when the SDK is upgraded, before a user's export trips over it.
 */
const sdk = join(dirname(createRequire(import.meta.url).resolve('auth0/package.json')), 'dist/esm/management/api');
const declarations = ['types/types.d.mts', 'requests/requests.d.mts']
  .map((file) => readFileSync(join(sdk, file), 'utf8'))
  .join('\n');

/** The property names of one `export interface` of the SDK. */
function sdkFields(name: string): string[] {
  const start = declarations.indexOf(`export interface ${name} {`);
  if (start === -1) throw new Error(`the auth0 SDK has no interface ${name}`);
  const body = declarations.slice(start, declarations.indexOf('\n}', start));
  return [...body.matchAll(/^ {4}([A-Za-z_0-9]+)\??:/gm)].map((m) => m[1] ?? '');
}

const cases: [string, z.ZodObject][] = [
  ['GetClientResponseContent', clientSchema],
  ['CreateClientRequestContent', clientSchema],
  ['UpdateClientRequestContent', clientSchema],
  ['GetResourceServerResponseContent', resourceServerSchema],
  ['CreateResourceServerRequestContent', resourceServerSchema],
  ['GetClientGrantResponseContent', clientGrantSchema],
  ['CreateClientGrantRequestContent', clientGrantSchema],
  ['GetRoleResponseContent', roleSchema],
  ['GetTenantSettingsResponseContent', tenantSchema],
  ['UpdateTenantSettingsRequestContent', tenantSchema],
];

describe("Auth0's Management API schemas", () => {
  it.each(cases)('%s: every field is a field of the tenant file', (name, schema) => {
    const fields = sdkFields(name);
    expect(fields.length).toBeGreaterThan(1);
    const known = Object.keys(schema.shape);
    expect(fields.filter((f) => !known.includes(f))).toEqual([]);
  });
});

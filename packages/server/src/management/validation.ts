import type * as z from 'zod';
import { formatPath, type PathSegment, valueAt } from '../config/format-path.ts';
import { IssueCollector } from '../config/issues.ts';
import { reportFieldPolicies } from '../config/schema-issues.ts';
import { invalidBody, type ManagementError } from './errors.ts';

type ZodIssue = z.core.$ZodIssue;

const MAX_ECHOED = 80;

/*
 * Request-body validation in Auth0's words. The schemas are tenant.yaml's (see ../config/schema.ts), so
 * the API accepts what a tenant file accepts: the same types and ranges, the same Auth0 fields accepted
 * and ignored, the same fields refused with a reason. Errors are Auth0's 400 `invalid_body`:
 * `Payload validation error: 'Expected type string but found type integer' on property name.`
 * Schema errors echo no value except enum mismatches, and tenant.yaml's rule messages never quote a
 * secret (../config/issues.ts), so no secret can reach a response or a log through a validation error.
 */

/** Parses `body` with `schema` (a strict object); throws 400 naming the first offending field. */
export function validateBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? null);
  if (!parsed.success) {
    const [first] = parsed.error.issues;
    throw first === undefined ? invalidBody('Invalid payload') : describeIssue(first, body ?? null);
  }
  // Strict: fields a tenant file keeps with a warning (e.g. client_authentication_methods) are refused here.
  const issues = new IssueCollector('<request>', undefined, { strict: true });
  reportFieldPolicies(schema, parsed.data, [], issues);
  throwFirstIssue(issues);
  return parsed.data;
}

/** Throws the first error recorded by the tenant.yaml validators as a 400, its path as the property. */
export function throwFirstIssue(issues: IssueCollector): void {
  if (!issues.hasErrors) return;
  const [first] = issues.toError().issues;
  if (first !== undefined) throw invalidBody(first.message, first.path || undefined);
}

function describeIssue(issue: ZodIssue, body: unknown): ManagementError {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const property = formatPath(path) || undefined;
  const value = valueAt(body, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return invalidBody(`Additional properties not allowed: ${issue.keys.join(',')}`, property);
    case 'invalid_type':
      if (value === undefined) return missing(path);
      return invalidBody(`Expected type ${typeName(issue.expected)} but found type ${jsonType(value)}`, property);
    case 'invalid_value':
      if (value === undefined) return missing(path);
      // Enum fields never hold secrets; long values are cut so the message stays readable.
      return invalidBody(`No enum match for: ${JSON.stringify(value).slice(0, MAX_ECHOED)}`, property);
    case 'too_small':
    case 'too_big':
      return invalidBody(describeBound(issue, value), property);
    default:
      return invalidBody(issue.message, property);
  }
}

/** Auth0 names the missing property and the object it is missing from. */
function missing(path: readonly PathSegment[]): ManagementError {
  return invalidBody(`Missing required property: ${String(path.at(-1))}`, formatPath(path.slice(0, -1)) || undefined);
}

function describeBound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, value: unknown): string {
  const small = issue.code === 'too_small';
  const bound = String(small ? issue.minimum : issue.maximum);
  const side = small ? 'minimum' : 'maximum';
  if (typeof value === 'string') {
    return `String is too ${small ? 'short' : 'long'} (${value.length} chars), ${side} ${bound}`;
  }
  if (Array.isArray(value)) return `Array is too ${small ? 'short' : 'long'} (${value.length}), ${side} ${bound}`;
  // Numbers are never secrets.
  return `Value ${String(value)} is ${small ? 'less' : 'greater'} than ${side} ${bound}`;
}

/** Auth0 (JSON Schema) type names. */
function typeName(expected: string): string {
  return expected === 'int' ? 'integer' : expected === 'record' ? 'object' : expected;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

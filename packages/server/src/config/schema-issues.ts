import * as z from 'zod';
import { formatPath, formatPathPattern, isRecord, type PathSegment, valueAt } from './format-path.ts';
import { type IssueCollector, isSecretKey, quote } from './issues.ts';
import { fieldPolicy } from './schema.ts';
import { closest } from './suggest.ts';

type ZodIssue = z.ZodError['issues'][number];

/**
 * Turns zod's issues into people-facing issues (one sentence of what, one of how to fix) and returns
 * the path of each, with unknown keys expanded to the key itself so that callers can tell which
 * entries passed the schema. Secret values (passwords, client secrets) are never quoted.
 */
export function reportSchemaIssues(
  zodIssues: readonly ZodIssue[],
  root: z.ZodType,
  data: unknown,
  issues: IssueCollector,
): PathSegment[][] {
  const paths: PathSegment[][] = [];
  for (const issue of zodIssues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        reportUnknownKey(root, path, key, issues);
        paths.push([...path, key]);
      }
      continue;
    }
    const { message, fix } = describe(issue, path, valueAt(data, path));
    issues.error(path, message, fix);
    paths.push(path);
  }
  return paths;
}

/**
 * Walks the data alongside the schema and reports what authmesh accepts without emulating it: each
 * top-level Deploy CLI section on a line of its own (`emailTemplates: 4 entries, not emulated`), and all
 * ignored fields together in one line, since an export from a real tenant holds dozens of them. Fields
 * with a specific explanation are cautions: errors over /api/v2, warnings in a tenant file.
 */
export function reportFieldPolicies(
  schema: z.ZodType,
  value: unknown,
  path: readonly PathSegment[],
  issues: IssueCollector,
): void {
  const ignored = new Set<string>();
  walkFieldPolicies(schema, value, path, issues, ignored);
  if (ignored.size > 0) {
    issues.warn(`Auth0 fields accepted but not emulated (they change nothing here): ${[...ignored].join(', ')}`);
  }
}

function walkFieldPolicies(
  schema: z.ZodType,
  value: unknown,
  path: readonly PathSegment[],
  issues: IssueCollector,
  ignored: Set<string>,
): void {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject && isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childSchema = (s.shape as Record<string, z.ZodType | undefined>)[key];
      if (childSchema === undefined) continue;
      const childPath = [...path, key];
      const policy = fieldPolicy(childSchema);
      if (policy?.kind === 'ignored' && path.length === 0) {
        issues.warn(`${key}: ${describeSection(child)}, not emulated`);
      } else if (policy?.kind === 'ignored') {
        const note = policy.note === undefined ? '' : ` (${policy.note})`;
        ignored.add(`${formatPathPattern(childPath)}${note}`);
      } else if (policy?.kind === 'unsupported') {
        // An error over /api/v2 (strict); a warning with its line in a tenant file, which Auth0 would accept.
        issues.caution(childPath, policy.message, policy.fix);
      } else {
        walkFieldPolicies(childSchema, child, childPath, issues, ignored);
      }
    }
  } else if (s instanceof z.ZodArray && Array.isArray(value)) {
    value.forEach((item, i) => {
      walkFieldPolicies(s.element as z.ZodType, item, [...path, i], issues, ignored);
    });
  }
}

/** `4 entries` for a list section, `3 settings` for a mapping (e.g. `branding`). */
function describeSection(value: unknown): string {
  const count = Array.isArray(value) ? value.length : isRecord(value) ? Object.keys(value).length : 1;
  if (Array.isArray(value)) return `${count} ${count === 1 ? 'entry' : 'entries'}`;
  return `${count} ${count === 1 ? 'setting' : 'settings'}`;
}

function reportUnknownKey(root: z.ZodType, objectPath: PathSegment[], key: string, issues: IssueCollector): void {
  const objectSchema = schemaAt(root, objectPath);
  const shape =
    objectSchema instanceof z.ZodObject
      ? (objectSchema.shape as Record<string, z.ZodType>)
      : ({} as Record<string, z.ZodType>);
  const known = Object.keys(shape);
  // Suggestions may point at an ignored Auth0 field (a typo of one is still a typo), but the list in
  // the fix only names what authmesh actually uses, to keep it short.
  const supported = known.filter((k) => fieldPolicy(shape[k]!) === undefined);
  const hit = closest(key, known);
  const topLevel = objectPath.length === 0;
  const what = topLevel ? 'top-level key' : 'field';
  const message = `unknown ${what} \`${key}\`${hit === undefined ? '' : `. Did you mean \`${hit}\`?`}`;
  const fix =
    hit !== undefined
      ? `rename \`${key}\` to \`${hit}\``
      : `remove \`${key}\`; the ${topLevel ? 'supported top-level keys' : `fields of ${formatPathPattern(objectPath)}`} are: ${supported.join(', ')}`;
  issues.error([...objectPath, key], message, fix);
}

function describe(issue: ZodIssue, path: PathSegment[], value: unknown): { message: string; fix: string } {
  const name = fieldName(path);
  const parent = formatPath(path.slice(0, -1)) || 'the file';
  const secret = isSecretKey(path.findLast((p) => typeof p === 'string'));
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return { message: `\`${name}\` is required`, fix: `add \`${name}\` to ${parent}` };
      const expected = describeExpected(issue.expected);
      return {
        message: `expected ${expected}, got ${describeValue(value, secret)}`,
        fix: fixForType(issue.expected, name, value),
      };
    }
    case 'invalid_value': {
      const choices = issue.values.map((v) => String(v));
      const list = choices.join(', ');
      if (value === undefined) return { message: `\`${name}\` is required`, fix: `add \`${name}\` (one of: ${list})` };
      const hit = typeof value === 'string' ? closest(value, choices) : undefined;
      return {
        message: `expected one of ${list}, got ${describeValue(value, secret)}`,
        fix: hit === undefined ? `use one of: ${list}` : `use \`${hit}\``,
      };
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'string') {
        const length = typeof value === 'string' ? value.length : 0;
        if (small && bound === 1)
          return { message: `\`${name}\` must not be empty`, fix: `set \`${name}\` to a non-empty value` };
        return small
          ? {
              message: `must be at least ${bound} characters long (it has ${length})`,
              fix: `use at least ${bound} characters`,
            }
          : {
              message: `must be at most ${bound} characters long (it has ${length})`,
              fix: `shorten it to ${bound} characters or fewer`,
            };
      }
      const range = small
        ? `${issue.inclusive ? 'at least' : 'more than'} ${bound}`
        : `${issue.inclusive ? 'at most' : 'less than'} ${bound}`;
      if (issue.origin === 'array')
        return { message: `must have ${range} items`, fix: `give \`${name}\` ${range} items` };
      return {
        message: `expected a number ${range}, got ${describeValue(value, secret)}`,
        fix: `use a value ${range}`,
      };
    }
    default:
      return { message: issue.message, fix: `correct \`${name}\`` };
  }
}

/** `name`, or `scopes[0]` for an array element: the field as people call it. */
function fieldName(path: readonly PathSegment[]): string {
  const lastKey = path.findLastIndex((p) => typeof p === 'string');
  return lastKey === -1 ? formatPath(path) || 'the file' : formatPath(path.slice(lastKey));
}

function describeExpected(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    default:
      return expected;
  }
}

function fixForType(expected: string, name: string, value: unknown): string {
  switch (expected) {
    case 'string':
      // `password: 12345678` or `name: yes`-style values: YAML typed them, quoting makes them text.
      return typeof value === 'number' || typeof value === 'boolean'
        ? `put \`${name}\` in quotes so YAML reads it as text`
        : `give \`${name}\` a text value`;
    case 'int':
      return `use a whole number for \`${name}\``;
    case 'number':
      return `use a number for \`${name}\``;
    case 'boolean':
      return `set \`${name}\` to true or false`;
    case 'array':
      return `write \`${name}\` as a YAML list (\`- item\` lines or \`[a, b]\`)`;
    case 'object':
    case 'record':
      return `write \`${name}\` as a YAML mapping of \`key: value\` lines`;
    default:
      return `give \`${name}\` a value of type ${expected}`;
  }
}

function describeValue(value: unknown, secret: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (secret) return `a ${typeof value}`;
  if (typeof value === 'string') return `the string ${quote(value)}`;
  return quote(value);
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

/** The schema that validates the value at `path`, if the path goes through objects and arrays only. */
function schemaAt(root: z.ZodType, path: readonly PathSegment[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = unwrap(root);
  for (const segment of path) {
    if (s instanceof z.ZodObject && typeof segment === 'string') {
      s = (s.shape as Record<string, z.ZodType | undefined>)[segment];
    } else if (s instanceof z.ZodArray && typeof segment === 'number') {
      s = s.element as z.ZodType;
    } else {
      return undefined;
    }
    if (s === undefined) return undefined;
    s = unwrap(s);
  }
  return s;
}

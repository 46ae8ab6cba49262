import { findSyntaxError } from '../config/action-code.ts';
import { AUTH0_TRIGGERS, isRunTrigger, RUN_TRIGGERS } from '../config/actions.ts';
import type { Action } from '../config/types.ts';
import { invalidBody, ManagementError } from './errors.ts';

/*
 * The bodies of `POST /actions/actions` and `PATCH /actions/actions/:id`, checked as Auth0 checks them
 * (`Payload validation error: '…' on property …`). Two refusals are authmesh's own: code with a JavaScript
 * syntax error is refused when written (Auth0 accepts it and fails the build, which only shows at deploy),
 * and a trigger authmesh does not run answers 501 `not_emulated`, as every other resource it does not run.
 */

/** What a write may set; absent fields are left as they are (PATCH) or defaulted (POST). */
export interface ActionInput {
  name?: string;
  code?: string;
  runtime?: string;
  dependencies?: Action['dependencies'];
  /** A secret without `value` keeps the value stored under its name (exports never carry values). */
  secrets?: { name: string; value?: string }[];
  supported_triggers?: Action['supported_triggers'];
  /** POST only: deploy right after creating. */
  deploy?: boolean;
}

const CREATE_FIELDS = ['name', 'code', 'runtime', 'dependencies', 'secrets', 'supported_triggers', 'modules', 'deploy'];
const UPDATE_FIELDS = ['name', 'code', 'runtime', 'dependencies', 'secrets', 'supported_triggers', 'modules'];
const MAX_NAME_LENGTH = 255;

export function parseActionCreate(
  body: unknown,
): ActionInput & { name: string; supported_triggers: Action['supported_triggers'] } {
  const input = parseFields(body, CREATE_FIELDS);
  if (input.name === undefined) throw invalidBody('Missing required property: name');
  if (input.supported_triggers === undefined) throw invalidBody('Missing required property: supported_triggers');
  return { ...input, name: input.name, supported_triggers: input.supported_triggers };
}

export function parseActionUpdate(body: unknown): ActionInput {
  return parseFields(body, UPDATE_FIELDS);
}

function parseFields(body: unknown, allowed: readonly string[]): ActionInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidBody('Payload must be an object');
  const raw = body as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) throw invalidBody(`Additional properties not allowed: ${key}`);
  }
  const input: ActionInput = {};
  if (raw.name !== undefined) {
    if (typeof raw.name !== 'string') throw typeError('string', raw.name, 'name');
    if (raw.name.length < 1) throw invalidBody('String is too short (0 chars), minimum 1', 'name');
    if (raw.name.length > MAX_NAME_LENGTH) {
      throw invalidBody(`String is too long (${raw.name.length} chars), maximum ${MAX_NAME_LENGTH}`, 'name');
    }
    input.name = raw.name;
  }
  if (raw.code !== undefined) {
    if (typeof raw.code !== 'string') throw typeError('string', raw.code, 'code');
    const syntax = findSyntaxError(raw.code, 'code.js');
    if (syntax !== undefined) {
      throw invalidBody(`SyntaxError: ${syntax.message} (line ${syntax.line}, column ${syntax.column})`, 'code');
    }
    input.code = raw.code;
  }
  if (raw.runtime !== undefined) {
    if (typeof raw.runtime !== 'string') throw typeError('string', raw.runtime, 'runtime');
    input.runtime = raw.runtime;
  }
  if (raw.dependencies !== undefined) {
    input.dependencies = pairs(raw.dependencies, 'dependencies', 'version', true).map((d) => ({
      name: d.name,
      version: d.version ?? '',
    }));
  }
  if (raw.secrets !== undefined) {
    input.secrets = pairs(raw.secrets, 'secrets', 'value', false).map((s) =>
      s.value === undefined ? { name: s.name } : { name: s.name, value: s.value },
    );
  }
  if (raw.supported_triggers !== undefined) input.supported_triggers = triggers(raw.supported_triggers);
  if (raw.deploy !== undefined) {
    if (typeof raw.deploy !== 'boolean') throw typeError('boolean', raw.deploy, 'deploy');
    input.deploy = raw.deploy;
  }
  if (raw.modules !== undefined && !(Array.isArray(raw.modules) && raw.modules.length === 0)) {
    throw new ManagementError(
      501,
      'Action modules are not emulated by authmesh. Remove `modules` from the action, or exclude actions from the deployment.',
      'not_emulated',
    );
  }
  return input;
}

function pairs(
  value: unknown,
  property: string,
  second: 'version' | 'value',
  required: boolean,
): { name: string; version?: string; value?: string }[] {
  if (!Array.isArray(value)) throw typeError('array', value, property);
  return value.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw typeError('object', item, `${property}[${i}]`);
    const entry = item as Record<string, unknown>;
    if (typeof entry.name !== 'string' || entry.name === '') {
      throw invalidBody('Missing required property: name', `${property}[${i}]`);
    }
    const other = entry[second];
    if (other === undefined && required) throw invalidBody(`Missing required property: ${second}`, `${property}[${i}]`);
    if (other !== undefined && typeof other !== 'string')
      throw typeError('string', other, `${property}[${i}].${second}`);
    return other === undefined ? { name: entry.name } : { name: entry.name, [second]: other };
  });
}

function triggers(value: unknown): Action['supported_triggers'] {
  if (!Array.isArray(value)) throw typeError('array', value, 'supported_triggers');
  if (value.length === 0) throw invalidBody('Array is too short (0), minimum 1', 'supported_triggers');
  return value.map((item: unknown, i) => {
    const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).id : undefined;
    const version = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).version : undefined;
    if (typeof id !== 'string') throw invalidBody('Missing required property: id', `supported_triggers[${i}]`);
    if (!AUTH0_TRIGGERS.includes(id)) {
      throw invalidBody(`No enum match for: "${id}"`, `supported_triggers[${i}].id`);
    }
    if (!isRunTrigger(id)) throw triggerNotEmulated(id);
    if (version !== undefined && typeof version !== 'string') {
      throw typeError('string', version, `supported_triggers[${i}].version`);
    }
    return { id, version: version ?? RUN_TRIGGERS[id] };
  });
}

/** 501 for a trigger Auth0 has and authmesh does not run. */
export function triggerNotEmulated(id: string): ManagementError {
  return new ManagementError(
    501,
    `The ${id} trigger is not emulated by authmesh (it runs ${Object.keys(RUN_TRIGGERS).join(', ')}). Exclude that action from the deployment.`,
    'not_emulated',
  );
}

function typeError(expected: string, value: unknown, property: string): ManagementError {
  const found = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return invalidBody(`Expected type ${expected} but found type ${found}`, property);
}

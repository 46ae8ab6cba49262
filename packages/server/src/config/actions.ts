import { type ActionCodeSource, findSyntaxError, loadActionCode } from './action-code.ts';
import { isRecord, type PathSegment } from './format-path.ts';
import { type IssueCollector, quote } from './issues.ts';
import { listOf } from './references.ts';
import { didYouMean } from './suggest.ts';
import type { Action, TriggerBindings, TriggerId } from './types.ts';

/** The triggers authmesh runs, with the trigger version whose `event`/`api` it implements. */
export const RUN_TRIGGERS: Readonly<Record<TriggerId, string>> = {
  'post-login': 'v3',
  'credentials-exchange': 'v2',
  'pre-user-registration': 'v2',
  'post-user-registration': 'v2',
  'post-change-password': 'v2',
};

/** Every trigger id Auth0 knows (Management API `GET /actions/triggers`); those not in {@link RUN_TRIGGERS} never run here. */
export const AUTH0_TRIGGERS: readonly string[] = [
  ...Object.keys(RUN_TRIGGERS),
  'send-phone-message',
  'password-reset-post-challenge',
  'custom-token-exchange',
  'login-post-identifier',
  'signup-post-identifier',
  'custom-phone-provider',
  'custom-email-provider',
  'event-stream',
  'iga-approval',
  'iga-certification',
  'iga-fulfillment-assignment',
  'iga-fulfillment-execution',
];

/** The runtime Auth0 gives an action created without one. */
export const DEFAULT_ACTION_RUNTIME = 'node22';

/** What Auth0 exports instead of a secret's value. */
const HIDDEN_SECRET = '_VALUE_NOT_SHOWN_';

/** Fields of Auth0's action object that exports carry and that change nothing here. */
const IGNORED_ACTION_FIELDS = new Set([
  'id',
  'status',
  'all_changes_deployed',
  'installed_integration_id',
  'integration',
  'current_version',
  'deployed_version',
  'built_at',
  'created_at',
  'updated_at',
]);
const ACTION_FIELDS = [
  'name',
  'code',
  'runtime',
  'dependencies',
  'secrets',
  'supported_triggers',
  'deployed',
  'modules',
];

/** The actions of a tenant file, with what the trigger bindings need to know about each. */
export interface NormalizedActions {
  actions: Action[];
  triggers: TriggerBindings;
}

export function isRunTrigger(id: string): id is TriggerId {
  return Object.hasOwn(RUN_TRIGGERS, id);
}

/**
 * Reads the Deploy CLI's `actions`, `actionModules` and `triggers` sections. Each action's code is read
 * from its file and compiled (not run), so a syntax error is reported now with its line. Bindings are
 * checked against the declared actions: the action must exist, be deployed and support the trigger.
 * Triggers Auth0 has but authmesh does not run are accepted with a warning, so a team's whole export loads.
 */
export function normalizeActions(raw: unknown, code: ActionCodeSource, issues: IssueCollector): NormalizedActions {
  const file = isRecord(raw) ? raw : {};
  const modules = readModules(file.actionModules, code, issues);
  const declared = new Map<string, { action: Action | undefined; deployed: boolean; path: PathSegment[] }>();
  const actions: Action[] = [];
  for (const [i, entry] of listAt(file, 'actions', issues).entries()) {
    const path: PathSegment[] = ['actions', i];
    const name = isRecord(entry) && typeof entry.name === 'string' ? entry.name : undefined;
    const action = parseAction(entry, path, code, modules, issues);
    if (name === undefined || name === '') continue;
    const first = declared.get(name);
    if (first !== undefined) {
      issues.error(
        [...path, 'name'],
        `action name ${quote(name)} is already used by ${issues.where([...first.path, 'name'])}`,
        'give each action its own name: triggers bind actions by name',
      );
      continue;
    }
    const deployed = !(isRecord(entry) && entry.deployed === false);
    declared.set(name, { action, deployed, path });
    if (action !== undefined) actions.push(action);
  }
  return { actions, triggers: readTriggers(file.triggers, declared, issues) };
}

function listAt(file: Record<string, unknown>, section: string, issues: IssueCollector): unknown[] {
  const value = file[section];
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  issues.error([section], `${section} must be a list`, `write each entry as a list item (\`- name: …\`)`);
  return [];
}

function parseAction(
  entry: unknown,
  path: PathSegment[],
  source: ActionCodeSource,
  modules: ReadonlySet<string>,
  issues: IssueCollector,
): Action | undefined {
  if (!isRecord(entry)) {
    issues.error(
      path,
      'an action must be a mapping',
      'write `name:`, `code:` and `supported_triggers:` under the item',
    );
    return undefined;
  }
  let valid = true;
  for (const key of Object.keys(entry)) {
    if (ACTION_FIELDS.includes(key) || IGNORED_ACTION_FIELDS.has(key)) continue;
    issues.error([...path, key], `unknown action field ${quote(key)}${didYouMean(key, ACTION_FIELDS)}`, 'remove it');
    valid = false;
  }
  const name = requireString(entry, 'name', path, issues, 'name the action (`name: add-roles`)');
  const codeRef = requireString(
    entry,
    'code',
    path,
    issues,
    "point `code:` at the action's file (`./actions/<name>/code.js`)",
  );
  const runtime = optionalString(entry, 'runtime', path, issues) ?? DEFAULT_ACTION_RUNTIME;
  if (entry.deployed !== undefined && typeof entry.deployed !== 'boolean') {
    issues.error([...path, 'deployed'], 'deployed must be true or false', 'write `deployed: true`');
    valid = false;
  }
  const dependencies = readPairs(entry.dependencies, [...path, 'dependencies'], 'version', issues);
  const secrets = readPairs(entry.secrets, [...path, 'secrets'], 'value', issues);
  for (const [i, secret] of (secrets ?? []).entries()) {
    if (secret.value === HIDDEN_SECRET) {
      issues.warn(
        `${issues.where([...path, 'secrets', i, 'value'])}: secret ${quote(secret.name)} of action ${quote(name ?? '?')} holds Auth0's export placeholder ${HIDDEN_SECRET}; write \`value: ##${secret.name}##\` and set ${secret.name} in the environment`,
      );
    }
  }
  const triggers = readSupportedTriggers(entry.supported_triggers, [...path, 'supported_triggers'], name, issues);
  checkModules(entry.modules, [...path, 'modules'], modules, issues);
  if (name === undefined || codeRef === undefined || dependencies === undefined || secrets === undefined)
    return undefined;
  if (triggers === undefined || !valid) return undefined;

  const loaded = loadActionCode(codeRef, source);
  if (!loaded.ok) {
    issues.error([...path, 'code'], loaded.message, loaded.fix);
    return undefined;
  }
  const syntax = findSyntaxError(loaded.code, loaded.file ?? `action ${name}`);
  if (syntax !== undefined) {
    issues.error(
      [...path, 'code'],
      `${loaded.file ?? `the code of action ${quote(name)}`} line ${syntax.line}, column ${syntax.column}: JavaScript syntax error: ${syntax.message}`,
      'fix the JavaScript at that line (the action is a CommonJS module: `exports.onExecutePostLogin = async (event, api) => {…}`)',
    );
    return undefined;
  }
  return {
    name,
    code: loaded.code,
    ...(loaded.file === undefined ? {} : { codeFile: loaded.file }),
    runtime,
    dependencies: dependencies.map((d) => ({ name: d.name, version: d.version })),
    secrets: secrets.map((s) => ({ name: s.name, value: s.value })),
    supported_triggers: triggers,
  };
}

function requireString(
  entry: Record<string, unknown>,
  key: string,
  path: PathSegment[],
  issues: IssueCollector,
  fix: string,
): string | undefined {
  const value = entry[key];
  if (typeof value === 'string' && value !== '') return value;
  issues.error([...path, key], value === undefined ? `${key} is missing` : `${key} must be a non-empty text`, fix);
  return undefined;
}

function optionalString(
  entry: Record<string, unknown>,
  key: string,
  path: PathSegment[],
  issues: IssueCollector,
): string | undefined {
  const value = entry[key];
  if (value === undefined || typeof value === 'string') return value;
  issues.error([...path, key], `${key} must be a text`, `write \`${key}: node22\``);
  return undefined;
}

/** `dependencies` (`name` + `version`) and `secrets` (`name` + `value`): lists of named pairs. */
function readPairs<K extends 'version' | 'value'>(
  value: unknown,
  path: PathSegment[],
  second: K,
  issues: IssueCollector,
): ({ name: string } & Record<K, string>)[] | undefined {
  if (value === undefined) return [];
  const example =
    second === 'version' ? '`- name: lodash` and `version: 4.17.21`' : '`- name: API_KEY` and `value: ##API_KEY##`';
  if (!Array.isArray(value)) {
    issues.error(path, `${path.at(-1)} must be a list`, `write each as a list item: ${example}`);
    return undefined;
  }
  const out: ({ name: string } & Record<K, string>)[] = [];
  let valid = true;
  const seen = new Set<string>();
  for (const [i, item] of value.entries()) {
    const name = isRecord(item) ? item.name : undefined;
    const other = isRecord(item) ? item[second] : undefined;
    if (typeof name !== 'string' || name === '' || typeof other !== 'string') {
      // A secret's value is never quoted: only which field is wrong.
      issues.error([...path, i], `each entry needs a text \`name\` and a text \`${second}\``, `write ${example}`);
      valid = false;
      continue;
    }
    if (seen.has(name)) {
      issues.error([...path, i, 'name'], `${quote(name)} is listed twice`, 'keep one entry per name');
      valid = false;
      continue;
    }
    seen.add(name);
    out.push({ name, [second]: other } as { name: string } & Record<K, string>);
  }
  return valid ? out : undefined;
}

function readSupportedTriggers(
  value: unknown,
  path: PathSegment[],
  action: string | undefined,
  issues: IssueCollector,
): Action['supported_triggers'] | undefined {
  const fix = 'write `supported_triggers: [{ id: post-login, version: v3 }]`';
  if (!Array.isArray(value) || value.length === 0) {
    issues.error(
      path,
      value === undefined ? 'supported_triggers is missing' : 'supported_triggers must be a non-empty list',
      fix,
    );
    return undefined;
  }
  const out: Action['supported_triggers'] = [];
  let valid = true;
  for (const [i, item] of value.entries()) {
    const id = isRecord(item) ? item.id : undefined;
    const version = isRecord(item) ? item.version : undefined;
    if (typeof id !== 'string' || typeof version !== 'string') {
      issues.error([...path, i], 'a supported trigger needs a text `id` and a text `version`', fix);
      valid = false;
    } else if (isRunTrigger(id)) {
      if (version !== RUN_TRIGGERS[id]) {
        issues.warn(
          `${issues.where([...path, i, 'version'])}: action ${quote(action ?? '?')} declares ${id} ${version}; authmesh runs it with the ${RUN_TRIGGERS[id]} event and api, which Auth0 recommends`,
        );
      }
      out.push({ id, version });
    } else if (AUTH0_TRIGGERS.includes(id)) {
      issues.warn(
        `${issues.where([...path, i, 'id'])}: trigger ${quote(id)} of action ${quote(action ?? '?')} is not emulated by authmesh; the action never runs for it`,
      );
    } else {
      issues.error(
        [...path, i, 'id'],
        `unknown trigger ${quote(id)}${didYouMean(id, AUTH0_TRIGGERS)}`,
        `use one of Auth0's trigger ids: ${listOf(Object.keys(RUN_TRIGGERS))}`,
      );
      valid = false;
    }
  }
  return valid ? out : undefined;
}

function checkModules(value: unknown, path: PathSegment[], modules: ReadonlySet<string>, issues: IssueCollector): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    issues.error(path, 'modules must be a list', 'write `- module_name: my-module` and `module_version_number: 1`');
    return;
  }
  for (const [i, item] of value.entries()) {
    const name = isRecord(item) ? item.module_name : undefined;
    if (typeof name !== 'string') {
      issues.error([...path, i], 'a module needs a text `module_name`', 'write `- module_name: my-module`');
    } else if (!modules.has(name)) {
      issues.error(
        [...path, i, 'module_name'],
        `action module ${quote(name)} is not declared in actionModules${didYouMean(name, modules)}`,
        'add it to `actionModules` or remove it from the action',
      );
    }
  }
}

/**
 * `actionModules`: shared code actions import. They are checked (name, code file) so references resolve;
 * authmesh does not run them (an action that requires one fails when it runs), which a warning says.
 */
function readModules(value: unknown, source: ActionCodeSource, issues: IssueCollector): Set<string> {
  const names = new Set<string>();
  if (value === undefined) return names;
  if (!Array.isArray(value)) {
    issues.error(['actionModules'], 'actionModules must be a list', 'write each module as a list item (`- name: …`)');
    return names;
  }
  for (const [i, item] of value.entries()) {
    const path: PathSegment[] = ['actionModules', i];
    const name = isRecord(item) ? item.name : undefined;
    if (typeof name !== 'string' || name === '') {
      issues.error([...path, 'name'], 'an action module needs a text `name`', 'write `- name: my-module`');
      continue;
    }
    names.add(name);
    const code = isRecord(item) ? item.code : undefined;
    if (typeof code === 'string' && code !== '') {
      const loaded = loadActionCode(code, source);
      if (!loaded.ok) issues.error([...path, 'code'], loaded.message, loaded.fix);
    }
  }
  // The same line as every other section authmesh does not run; the modules are still checked above so
  // that actions' `modules` references resolve.
  if (value.length > 0)
    issues.warn(`actionModules: ${value.length} ${value.length === 1 ? 'entry' : 'entries'}, not emulated`);
  return names;
}

/**
 * The Deploy CLI's `triggers` section: per trigger id, the bindings in execution order
 * (`- action_name: add-roles` with an optional `display_name`).
 */
function readTriggers(
  value: unknown,
  declared: ReadonlyMap<string, { action: Action | undefined; deployed: boolean; path: PathSegment[] }>,
  issues: IssueCollector,
): TriggerBindings {
  const out: TriggerBindings = {};
  if (value === undefined) return out;
  if (!isRecord(value)) {
    issues.error(
      ['triggers'],
      'triggers must be a mapping of trigger id to bindings',
      'write `triggers:` then `post-login: [{ action_name: add-roles }]`',
    );
    return out;
  }
  for (const [trigger, list] of Object.entries(value)) {
    const path: PathSegment[] = ['triggers', trigger];
    if (!Array.isArray(list)) {
      issues.error(
        path,
        `the bindings of ${trigger} must be a list`,
        `write \`${trigger}: [{ action_name: my-action }]\``,
      );
      continue;
    }
    const known = isRunTrigger(trigger);
    if (!known && !AUTH0_TRIGGERS.includes(trigger)) {
      issues.error(
        path,
        `unknown trigger ${quote(trigger)}${didYouMean(trigger, AUTH0_TRIGGERS)}`,
        `use one of ${listOf(Object.keys(RUN_TRIGGERS))}`,
      );
      continue;
    }
    if (!known) {
      if (list.length > 0)
        issues.warn(
          `${issues.where(path)}: trigger ${quote(trigger)} is not emulated by authmesh; its ${list.length} binding(s) never run`,
        );
      continue;
    }
    const names: string[] = [];
    for (const [i, binding] of list.entries()) {
      const name = isRecord(binding) ? binding.action_name : undefined;
      const at: PathSegment[] = [...path, i, 'action_name'];
      if (typeof name !== 'string' || name === '') {
        issues.error([...path, i], 'a binding needs a text `action_name`', 'write `- action_name: my-action`');
        continue;
      }
      const found = declared.get(name);
      if (found === undefined) {
        issues.error(
          at,
          `action ${quote(name)} is not declared in actions${didYouMean(name, declared.keys())}`,
          'declare the action under `actions` or remove the binding',
        );
      } else if (!found.deployed) {
        issues.error(
          at,
          `action ${quote(name)} is not deployed (\`deployed: false\` at ${issues.where([...found.path, 'deployed'])})`,
          'set `deployed: true` on the action: only deployed actions can be bound',
        );
      } else if (found.action !== undefined && !found.action.supported_triggers.some((t) => t.id === trigger)) {
        issues.error(
          at,
          `action ${quote(name)} does not support ${trigger} (its supported_triggers: ${listOf(found.action.supported_triggers.map((t) => t.id))})`,
          `add \`{ id: ${trigger}, version: ${RUN_TRIGGERS[trigger]} }\` to its supported_triggers or bind it to its own trigger`,
        );
      } else if (names.includes(name)) {
        issues.error(at, `action ${quote(name)} is bound to ${trigger} twice`, 'keep one binding per action');
      } else {
        names.push(name);
      }
    }
    if (names.length > 0) out[trigger] = names;
  }
  return out;
}

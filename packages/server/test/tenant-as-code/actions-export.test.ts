import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTenantConfigFile } from '../../src/config/load.ts';
import type { TenantConfig } from '../../src/config/types.ts';
import type { ActionRecord } from '../../src/tenant/records.ts';
import { applyImport } from '../../src/tenant-as-code/apply.ts';
import { exportTenantFiles } from '../../src/tenant-as-code/export.ts';
import type { ExportedFile } from '../../src/tenant-as-code/export-actions.ts';
import { formatPlan } from '../../src/tenant-as-code/format-plan.ts';
import { planImport } from '../../src/tenant-as-code/plan.ts';
import { planHasChanges } from '../../src/tenant-as-code/plan-types.ts';
import { action } from '../actions/helpers.ts';
import { closeAll, freshStorage, ISSUER, passwordEnv, seededStorage, tenantConfig } from './helpers.ts';

/*
 * Actions and triggers in `authmesh export` and `authmesh import`, as the Deploy CLI writes them: an
 * `actions:` section whose `code:` names `./actions/<name>/code.js`, the code files beside the YAML, and
 * `triggers:` binding them in order. Secret values are `##NAME##` keywords unless secrets are asked for.
 */

afterEach(closeAll);

const ROLES_CODE = `exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim(event.secrets.NAMESPACE + 'roles', event.authorization.roles);
};
`;
const AUDIT_CODE = `exports.onExecutePostLogin = async (event) => {
  console.log('login', event.user.email);
};
`;
const M2M_CODE = `exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim('https://acme.test/service', event.client.name);
};
`;

function withActions(): TenantConfig {
  return {
    ...tenantConfig(),
    actions: [
      action('roles-in-tokens', ROLES_CODE, {
        secrets: [{ name: 'NAMESPACE', value: 'https://acme.test/' }],
        dependencies: [{ name: 'yaml', version: '2.9.1' }],
      }),
      action('audit', AUDIT_CODE),
      action('service-name', M2M_CODE, { supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }] }),
    ],
    triggers: { 'post-login': ['roles-in-tokens', 'audit'], 'credentials-exchange': ['service-name'] },
  };
}

/** Writes an export as `authmesh export --out <dir>/tenant.yaml` does, and returns the YAML's path. */
function writeExport(text: string, files: ExportedFile[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'authmesh-export-'));
  writeFileSync(join(dir, 'tenant.yaml'), text);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  return join(dir, 'tenant.yaml');
}

const env = () => ({ ...passwordEnv(), NAMESPACE: 'https://acme.test/' });

describe('actions and triggers in export and import', () => {
  it('exports them as the Deploy CLI writes them, code files beside the YAML', async () => {
    const { text, files } = await exportTenantFiles(await seededStorage(withActions()), { issuer: ISSUER });
    expect(text).toContain(
      [
        'actions:',
        '  - name: audit',
        '    code: ./actions/audit/code.js',
        '    runtime: node22',
        '    deployed: true',
        '    dependencies: []',
        '    secrets: []',
        '    supported_triggers:',
        '      - id: post-login',
        '        version: v3',
        '  - name: roles-in-tokens',
        '    code: ./actions/roles-in-tokens/code.js',
      ].join('\n'),
    );
    // The secret's value stays out of the file: a keyword the importer sets in the environment.
    expect(text).toContain('value: "##NAMESPACE##"');
    expect(text).not.toContain('https://acme.test/');
    expect(text).toContain(
      [
        'triggers:',
        '  credentials-exchange:',
        '    - action_name: service-name',
        '      display_name: service-name',
        '  post-login:',
        '    - action_name: roles-in-tokens',
        '      display_name: roles-in-tokens',
        '    - action_name: audit',
        '      display_name: audit',
      ].join('\n'),
    );
    expect(files).toEqual([
      { path: './actions/audit/code.js', content: AUDIT_CODE },
      { path: './actions/roles-in-tokens/code.js', content: ROLES_CODE },
      { path: './actions/service-name/code.js', content: M2M_CODE },
    ]);
  });

  it('round trip: export, import into a fresh store, export again: identical', async () => {
    const first = await exportTenantFiles(await seededStorage(withActions()), { issuer: ISSUER });
    const file = writeExport(first.text, first.files);
    const config = await loadTenantConfigFile(file, env());
    const target = freshStorage();
    const plan = await planImport(target, config, ISSUER);
    expect(plan.changes.filter((c) => c.kind === 'action' || c.kind === 'trigger')).toEqual([
      { kind: 'action', key: 'audit', action: 'create' },
      { kind: 'action', key: 'roles-in-tokens', action: 'create' },
      { kind: 'action', key: 'service-name', action: 'create' },
      { kind: 'trigger', key: 'credentials-exchange', action: 'create' },
      { kind: 'trigger', key: 'post-login', action: 'create' },
    ]);
    await applyImport(target, config, ISSUER);
    const stored = (await target.entities.getByKey<ActionRecord>('action', 'roles-in-tokens'))?.doc;
    expect(stored?.secrets).toEqual([{ name: 'NAMESPACE', value: 'https://acme.test/' }]);
    expect(stored?.code).toBe(ROLES_CODE);
    const second = await exportTenantFiles(target, { issuer: ISSUER });
    expect(second.text).toBe(first.text);
    expect(second.files).toEqual(first.files);
    expect(readFileSync(join(dirname(file), 'actions/audit/code.js'), 'utf8')).toBe(AUDIT_CODE);
    // Importing the same files again changes nothing.
    expect(planHasChanges(await planImport(target, config, ISSUER))).toBe(false);
  });

  it('plans an edited action, a reordered trigger and a removed action', async () => {
    const target = await seededStorage(withActions());
    const edited: TenantConfig = {
      ...withActions(),
      actions: withActions()
        .actions.filter((a) => a.name !== 'service-name')
        .map((a) => (a.name === 'audit' ? { ...a, code: `${AUDIT_CODE}// edited\n` } : a)),
      triggers: { 'post-login': ['audit', 'roles-in-tokens'] },
    };
    const text = formatPlan(await planImport(target, edited, ISSUER));
    expect(text).toContain('~ action "audit" code:');
    expect(text).toContain('- action "service-name"');
    expect(text).toContain('~ trigger "post-login" actions: ["roles-in-tokens","audit"] → ["audit","roles-in-tokens"]');
    expect(text).toContain('- trigger "credentials-exchange"');
  });
});

import { describe, expect, it } from 'vitest';
import { replaceKeywords } from '../../src/config/keywords.ts';
import { parseTenantConfig } from '../../src/config/load.ts';
import { expectConfigError, yaml } from './helpers.ts';

describe('keyword replacement', () => {
  it('replaces ##KEY## verbatim and @@KEY@@ with a JSON string, before YAML parsing', () => {
    const config = parseTenantConfig(
      yaml(
        'resourceServers:',
        '  - name: ##API_NAME##',
        '    identifier: https://##DOMAIN##/orders',
        '    token_lifetime: ##LIFETIME##',
        'users:',
        '  - email: admin@##DOMAIN##',
        '    password: @@ADMIN_PASSWORD@@',
      ),
      '<inline>',
      { API_NAME: 'Orders', DOMAIN: 'acme.test', LIFETIME: '600', ADMIN_PASSWORD: 'p: "x" # y' },
    );
    expect(config.resourceServers[0]).toMatchObject({
      name: 'Orders',
      identifier: 'https://acme.test/orders',
      // `##` is literal, so YAML sees a number.
      token_lifetime: 600,
    });
    // `@@` quotes: YAML specials in the value survive intact.
    expect(config.users[0]?.password).toBe('p: "x" # y');
    expect(config.users[0]?.email).toBe('admin@acme.test');
  });

  it('does not replace recursively', () => {
    expect(replaceKeywords('a: ##A##', 'f', { A: '##B##', B: 'no' })).toBe('a: ##B##');
  });

  it('accepts an empty value', () => {
    expect(replaceKeywords('a: "##A##"', 'f', { A: '' })).toBe('a: ""');
  });

  it('reports every missing variable at once with ERR_CONFIG_ENV_MISSING', () => {
    const error = expectConfigError(
      yaml(
        'resourceServers:',
        '  - name: ##API_NAME##',
        '    identifier: https://##DOMAIN##/orders',
        'users:',
        '  - email: admin@##DOMAIN##',
        '    password: @@ADMIN_PASSWORD@@',
      ),
      { API_NAME: 'Orders' },
    );
    expect(error.code).toBe('ERR_CONFIG_ENV_MISSING');
    expect(error.issues.map((i) => [i.path, i.message, i.fix])).toEqual([
      [
        '',
        'environment variable DOMAIN is not set but ##DOMAIN## uses it on line 3, 5',
        'export DOMAIN=... or remove ##DOMAIN## from the file',
      ],
      [
        '',
        'environment variable ADMIN_PASSWORD is not set but @@ADMIN_PASSWORD@@ uses it on line 6',
        'export ADMIN_PASSWORD=... or remove @@ADMIN_PASSWORD@@ from the file',
      ],
    ]);
  });

  it('ignores keywords in whole-line comments', () => {
    const config = parseTenantConfig(yaml('# password: ##OLD_PASSWORD##', 'roles: []'), '<inline>', {});
    expect(config.roles).toEqual([]);
  });

  it('only matches [A-Za-z0-9_] keys with the same marker on both sides', () => {
    expect(replaceKeywords('a: ##NOT A KEY## @@A## ##A@@', 'f', {})).toBe('a: ##NOT A KEY## @@A## ##A@@');
  });
});

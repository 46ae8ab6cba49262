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

describe('keyword replacement as the Deploy CLI does it', () => {
  const mappings = {
    CALLBACKS: ['https://a.test/cb', 'https://b.test/cb'],
    LIFETIME: 3600,
    NAME: 'Shop',
  };

  it('turns @@LIST@@ into a list, swallowing the quotes around it, and ##X## into text', () => {
    const text = yaml(
      'clients:',
      '  - name: ##NAME##',
      '    app_type: spa',
      '    callbacks: "@@CALLBACKS@@"',
      "    allowed_logout_urls: '@@CALLBACKS@@'",
      '    web_origins: @@ORIGINS@@',
      '    description: ##CALLBACKS##',
    );
    const config = parseTenantConfig(text, '<inline>', { ORIGINS: '["https://a.test"]' }, mappings);
    const [client] = config.clients;
    expect(client?.name).toBe('Shop');
    expect(client?.callbacks).toEqual(['https://a.test/cb', 'https://b.test/cb']);
    expect(client?.allowed_logout_urls).toEqual(['https://a.test/cb', 'https://b.test/cb']);
    expect(client?.web_origins).toEqual(['https://a.test']);
    // `##` writes a list as JavaScript's String() does, as the Deploy CLI's replace callback returns it.
    expect(client?.description).toBe('https://a.test/cb,https://b.test/cb');
  });

  it('lets the environment override the mappings, as a0deploy --env does', () => {
    expect(replaceKeywords('a: ##NAME##', 'f', { NAME: 'from-env' }, mappings)).toBe('a: from-env');
    expect(replaceKeywords('a: @@LIFETIME@@', 'f', {}, mappings)).toBe('a: 3600');
  });

  it('parses a JSON list or object from the environment for @@X@@, and keeps other values strings', () => {
    expect(replaceKeywords('a: @@L@@', 'f', { L: ' ["x", 1] ' })).toBe('a: ["x",1]');
    expect(replaceKeywords('a: @@O@@', 'f', { O: '{"k":"v"}' })).toBe('a: {"k":"v"}');
    // A numeric password stays a string, as the Deploy CLI inserts it.
    expect(replaceKeywords('a: @@P@@', 'f', { P: '12345678' })).toBe('a: "12345678"');
    expect(replaceKeywords('a: @@B@@', 'f', { B: '[not json' })).toBe('a: "[not json"');
  });

  it('names the mappings in the error when a keyword has no value anywhere', () => {
    const error = expectConfigError(yaml('roles:', '  - name: ##ROLE##'));
    expect(error.issues[0]?.message).toBe('environment variable ROLE is not set but ##ROLE## uses it on line 2');
    let caught: unknown;
    try {
      replaceKeywords('a: @@MISSING@@', 'f', {}, mappings);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({
      code: 'ERR_CONFIG_ENV_MISSING',
      issues: [
        {
          message:
            'environment variable MISSING is not set nor mapped in AUTH0_KEYWORD_REPLACE_MAPPINGS but @@MISSING@@ uses it on line 1',
          fix: 'export MISSING=..., add MISSING to AUTH0_KEYWORD_REPLACE_MAPPINGS, or remove @@MISSING@@ from the file',
        },
      ],
    });
  });
});

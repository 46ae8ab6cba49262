import { describe, expect, it } from 'vitest';
import { parseTenantConfig } from '../../src/config/load.ts';
import { checkPasswordPolicy } from '../../src/tenant/password-policy.ts';
import { expectConfigError, yaml } from './helpers.ts';

/*
 * The Deploy CLI's `databases` and `connections` sections: Auth0's defaults, the options authmesh honours,
 * refusals that name the file, path, line and fix, and Auth0's password strength levels.
 */

const APP = ['clients:', '  - name: Web App', '    app_type: spa', '    callbacks: [http://localhost:3000/cb]'];

describe('databases and connections', () => {
  it('declares Username-Password-Authentication, for every client, when the file declares no database', () => {
    const config = parseTenantConfig(yaml(...APP), '<inline>');
    expect(config.connections).toEqual([
      {
        name: 'Username-Password-Authentication',
        strategy: 'auth0',
        options: {},
        database: {
          disable_signup: false,
          requires_username: false,
          passwordPolicy: 'good',
          brute_force_protection: true,
        },
      },
    ]);
  });

  it('reads a Deploy CLI export: database options honoured, social strategies kept with their options', () => {
    const config = parseTenantConfig(
      yaml(
        ...APP,
        'databases:',
        '  - name: Customers',
        '    strategy: auth0',
        '    enabled_clients: [Web App]',
        '    options:',
        '      passwordPolicy: excellent',
        '      password_complexity_options: { min_length: 12 }',
        '      brute_force_protection: false',
        '      disable_signup: true',
        '      requires_username: true',
        '      mfa: { active: true }',
        'connections:',
        '  - name: google-oauth2',
        '    strategy: google-oauth2',
        '    enabled_clients: [Web App, Deleted App]',
        '    options: { email: true, scope: [email, profile] }',
      ),
      '<inline>',
    );
    expect(config.connections.map((c) => c.name)).toEqual(['Customers', 'google-oauth2']);
    expect(config.connections[0]?.database).toEqual({
      disable_signup: true,
      requires_username: true,
      passwordPolicy: 'excellent',
      min_length: 12,
      brute_force_protection: false,
    });
    expect(config.connections[0]?.options.mfa).toEqual({ active: true });
    expect(config.connections[1]).toMatchObject({
      strategy: 'google-oauth2',
      enabled_clients: ['Web App', 'Deleted App'],
    });
    // An unknown client in enabled_clients is a warning (Auth0 exports name clients the file may not declare).
    expect(config.warnings.some((w) => w.includes('`Deleted App` is not declared'))).toBe(true);
    expect(config.warnings.some((w) => w.startsWith('connections:') || w.startsWith('databases:'))).toBe(false);
  });

  it('a database in `connections` (strategy auth0) counts as the database: no second default', () => {
    const config = parseTenantConfig(
      yaml('connections:', '  - name: Username-Password-Authentication', '    strategy: auth0'),
      '<inline>',
    );
    expect(config.connections.map((c) => c.name)).toEqual(['Username-Password-Authentication']);
  });

  it('refuses what Auth0 refuses, naming the path, the line and the fix', () => {
    const error = expectConfigError(
      yaml(
        'databases:',
        '  - name: Customers',
        '    options:',
        '      passwordPolicy: strong',
        '  - name: Social',
        '    strategy: github',
        'connections:',
        '  - name: customers',
        '    strategy: google-oauth2',
        '  - strategy: github',
      ),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      'databases[0].options.passwordPolicy (line 4)',
      'databases[1].strategy (line 6)',
      'connections[0].name (line 8)',
      'connections[1].name (line 10)',
    ]);
    expect(error.issues[0]?.fix).toContain('none, low, fair, good, excellent');
    expect(error.issues[2]?.message).toContain('already used by databases[0].name (line 2)');
  });
});

describe('connection fields', () => {
  it("accepts every field of Auth0's connection schema, and names a typo with the field it resembles", () => {
    const accepted = parseTenantConfig(
      yaml(
        'connections:',
        '  - name: okta',
        '    strategy: okta',
        '    realms: [example.com]',
        '    is_domain_connection: false',
        '    show_as_button: true',
        '    authentication: { active: true }',
        '    connected_accounts: { active: false }',
      ),
      '<inline>',
    );
    expect(accepted.connections.map((c) => c.name)).toEqual(['Username-Password-Authentication', 'okta']);
    const error = expectConfigError(yaml('databases:', '  - name: Customers', '    enabled_client: [Web App]'));
    expect(error.issues.map((i) => i.path)).toEqual(['databases[0].enabled_client (line 3)']);
    expect(error.issues[0]?.message).toContain('Did you mean `enabled_clients`?');
  });
});

describe('password strength levels (Auth0 "Password Strength")', () => {
  const verdict = (
    password: string,
    passwordPolicy: 'none' | 'low' | 'fair' | 'good' | 'excellent',
    min_length?: number,
  ) => checkPasswordPolicy(password, { passwordPolicy, ...(min_length === undefined ? {} : { min_length }) }).verified;

  it('none: any non-empty password', () => {
    expect(verdict('a', 'none')).toBe(true);
    expect(verdict('', 'none')).toBe(false);
  });
  it('low: at least 6 characters', () => {
    expect(verdict('abcdef', 'low')).toBe(true);
    expect(verdict('abcde', 'low')).toBe(false);
  });
  it('fair: 8 characters with lower case, upper case and digits', () => {
    expect(verdict('abcdEF12', 'fair')).toBe(true);
    expect(verdict('abcdefgh!', 'fair')).toBe(false);
    expect(verdict('abcdEFGH', 'fair')).toBe(false);
  });
  it('good: 8 characters with 3 of the 4 types', () => {
    expect(verdict('abcdef1!', 'good')).toBe(true);
    expect(verdict('abcdefg1', 'good')).toBe(false);
    expect(verdict('aB1!', 'good')).toBe(false);
  });
  it('excellent: 10 characters, 3 of 4 types, no character three times in a row', () => {
    expect(verdict('abcdEF12gh', 'excellent')).toBe(true);
    expect(verdict('abcdEF111h', 'excellent')).toBe(false);
    expect(verdict('abcdEF12g', 'excellent')).toBe(false);
  });
  it('min_length replaces the level length', () => {
    expect(verdict('abcdef', 'low', 10)).toBe(false);
    expect(verdict('abcdefghij', 'low', 10)).toBe(true);
  });
  it("describes the policy as Auth0's error does", () => {
    expect(checkPasswordPolicy('x', { passwordPolicy: 'good' }).policy).toBe(
      [
        '* At least 8 characters in length',
        '* Contain at least 3 of the following 4 types of characters:',
        ' * lower case letters (a-z)',
        ' * upper case letters (A-Z)',
        ' * numbers (i.e. 0-9)',
        ' * special characters (e.g. !@#$%^&*)',
      ].join('\n'),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { formatPath, formatPathPattern } from '../../src/config/format-path.ts';
import { closest } from '../../src/config/suggest.ts';
import { expectConfigError, yaml } from './helpers.ts';

describe('formatPath', () => {
  it('writes dotted keys and [n] indices', () => {
    expect(formatPath(['clients', 0, 'refresh_token', 'policies', 1, 'scope', 0])).toBe(
      'clients[0].refresh_token.policies[1].scope[0]',
    );
    expect(formatPath([])).toBe('');
  });

  it('bracket-quotes keys that are not identifiers', () => {
    expect(formatPath(['clients', 0, 'my key'])).toBe('clients[0]["my key"]');
  });

  it('blanks indices in patterns', () => {
    expect(formatPathPattern(['clients', 3, 'jwt_configuration', 'scopes'])).toBe('clients[].jwt_configuration.scopes');
  });

  it('is used with the source line in issues', () => {
    const error = expectConfigError(yaml('roles:', '  - name: a', '    "odd key": 1'));
    expect(error.issues.map((i) => i.path)).toEqual(['roles[0]["odd key"] (line 3)']);
  });
});

describe('closest', () => {
  it('finds typos, case and separator differences', () => {
    expect(closest('clinets', ['clients', 'roles'])).toBe('clients');
    expect(closest('resource_servers', ['resourceServers', 'roles'])).toBe('resourceServers');
    expect(closest('Users', ['users'])).toBe('users');
  });

  it('does not suggest unrelated or too-short matches', () => {
    expect(closest('Q', ['S', 'T'])).toBeUndefined();
    expect(closest('settings', ['tenant', 'clients'])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { expectConfigError, yaml } from './helpers.ts';

const API = ['resourceServers:', '  - name: Orders', '    identifier: https://api.test/orders'];
const API_WITH_SCOPES = [...API, '    scopes: [{ value: read:orders }, { value: write:orders }]'];
const WORKER = ['  - name: Worker', '    app_type: non_interactive'];

interface Case {
  name: string;
  text: string;
  code?: string;
  /** Exact `path` of every issue, in order. */
  paths: string[];
  /** Matched against the message of the issue at the same index. */
  messages?: (RegExp | undefined)[];
}

const cases: Case[] = [
  {
    name: 'YAML syntax error',
    text: yaml('clients:', '  - name: a', '   app_type: spa'),
    code: 'ERR_CONFIG_PARSE',
    paths: [''],
    messages: [/line 3, column 1/],
  },
  {
    name: 'unknown top-level key, with a suggestion',
    text: yaml('resourceServer:', '  - name: a'),
    paths: ['resourceServer (line 1)'],
    messages: [/unknown top-level key `resourceServer`\. Did you mean `resourceServers`\?/],
  },
  {
    name: 'unknown top-level key without a close match lists the supported ones',
    text: yaml('settings: {}'),
    paths: ['settings (line 1)'],
  },
  {
    name: 'unknown nested key, with a suggestion',
    text: yaml('clients:', '  - name: a', '    app_type: spa', '    callback: [http://localhost/cb]'),
    paths: ['clients[0].callback (line 4)'],
    messages: [/unknown field `callback`\. Did you mean `callbacks`\?/],
  },
  {
    name: 'unknown key deep inside refresh_token',
    text: yaml('clients:', '  - name: a', '    app_type: regular_web', '    refresh_token: { rotaton_type: rotating }'),
    // An entry that fails the schema is not checked further (here: no "needs a callback" error).
    paths: ['clients[0].refresh_token.rotaton_type (line 4)'],
    messages: [/Did you mean `rotation_type`/],
  },
  {
    name: 'an app_type Auth0 does not know, with a suggestion',
    text: yaml('clients:', '  - name: a', '    app_type: regular-web'),
    paths: ['clients[0].app_type (line 3)'],
    messages: [/expected one of native, spa, regular_web, non_interactive, resource_server/],
  },
  {
    name: 'dangling grant client',
    text: yaml(
      ...API_WITH_SCOPES,
      'clients:',
      ...WORKER,
      'clientGrants:',
      '  - client_id: Wroker',
      '    audience: https://api.test/orders',
      '    scope: [read:orders]',
    ),
    paths: ['clientGrants[0].client_id (line 9)'],
    messages: [/client `Wroker` is not declared\. Did you mean `Worker`\?/],
  },
  {
    name: 'dangling grant audience',
    text: yaml(
      ...API_WITH_SCOPES,
      'clients:',
      ...WORKER,
      'clientGrants:',
      '  - client_id: Worker',
      '    audience: https://api.test/order',
      '    scope: [read:orders]',
    ),
    paths: ['clientGrants[0].audience (line 10)'],
    messages: [/`https:\/\/api\.test\/order` is not a declared API\. Did you mean `https:\/\/api\.test\/orders`\?/],
  },
  {
    name: 'grant on an undeclared scope',
    text: yaml(
      ...API_WITH_SCOPES,
      'clients:',
      ...WORKER,
      'clientGrants:',
      '  - client_id: Worker',
      '    audience: https://api.test/orders',
      '    scope: [read:orders, delete:orders]',
    ),
    paths: ['clientGrants[0].scope[1] (line 11)'],
    messages: [
      /scope `delete:orders` is not declared on API `https:\/\/api\.test\/orders`; its scopes are: `read:orders`, `write:orders`/,
    ],
  },
  {
    name: 'grant without scope or allow_all_scopes',
    text: yaml(
      ...API_WITH_SCOPES,
      'clients:',
      ...WORKER,
      'clientGrants:',
      '  - client_id: Worker',
      '    audience: https://api.test/orders',
    ),
    paths: ['clientGrants[0].scope (line 9)'],
    messages: [/`scope` is required/],
  },
  {
    name: 'duplicate grant for the same client and audience',
    text: yaml(
      ...API_WITH_SCOPES,
      'clients:',
      ...WORKER,
      'clientGrants:',
      '  - { client_id: Worker, audience: https://api.test/orders, scope: [read:orders] }',
      '  - { client_id: Worker, audience: https://api.test/orders, scope: [write:orders] }',
    ),
    paths: ['clientGrants[1] (line 10)'],
  },
  {
    name: 'allow_all_scopes with scope',
    text: yaml(
      ...API_WITH_SCOPES,
      'clients:',
      ...WORKER,
      'clientGrants:',
      '  - client_id: Worker',
      '    audience: https://api.test/orders',
      '    allow_all_scopes: true',
      '    scope: [read:orders]',
    ),
    paths: ['clientGrants[0].scope (line 12)'],
    messages: [/scope must be absent when allow_all_scopes is true/],
  },
  {
    name: 'duplicate API identifiers',
    text: yaml(...API, '  - name: Orders v2', '    identifier: https://api.test/orders'),
    paths: ['resourceServers[1].identifier (line 5)'],
    messages: [/already used by resourceServers\[0\]\.identifier \(line 3\)/],
  },
  {
    name: 'duplicate client names and pinned client_ids',
    text: yaml(
      'clients:',
      '  - { name: Worker, app_type: non_interactive, client_id: worker-0001 }',
      '  - { name: Worker, app_type: non_interactive, client_id: worker-0001 }',
    ),
    paths: ['clients[1].name (line 3)', 'clients[1].client_id (line 3)'],
    messages: [/client name `Worker` is already used by clients\[0\]\.name \(line 2\)/, /already pinned/],
  },
  {
    name: 'SPA with a secret (not echoed)',
    text: yaml(
      'clients:',
      '  - name: SPA',
      '    app_type: spa',
      '    callbacks: [http://localhost:3000/cb]',
      '    client_secret: s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t',
    ),
    paths: ['clients[0].client_secret (line 5)'],
    messages: [/public clients cannot hold a secret/],
  },
  {
    name: 'SPA with client_credentials',
    text: yaml(
      'clients:',
      '  - name: SPA',
      '    app_type: spa',
      '    callbacks: [http://localhost:3000/cb]',
      '    grant_types: [authorization_code, client_credentials]',
    ),
    paths: ['clients[0].grant_types[1] (line 5)'],
    messages: [/cannot use the client_credentials grant/],
  },
  {
    name: 'SPA with a confidential auth method',
    text: yaml(
      'clients:',
      '  - name: SPA',
      '    app_type: spa',
      '    callbacks: [http://localhost:3000/cb]',
      '    token_endpoint_auth_method: client_secret_post',
    ),
    paths: ['clients[0].token_endpoint_auth_method (line 5)'],
  },
  {
    name: 'MRRT policy to an undeclared scope and to the Management API',
    text: yaml(
      ...API_WITH_SCOPES,
      'clients:',
      '  - name: SPA',
      '    app_type: spa',
      '    callbacks: [http://localhost:3000/cb]',
      '    refresh_token:',
      '      policies:',
      '        - { audience: https://api.test/orders, scope: [read:orders, admin] }',
      '        - { audience: https://acme.test/api/v2/, scope: [read:users] }',
    ),
    paths: [
      'clients[0].refresh_token.policies[0].scope[1] (line 11)',
      'clients[0].refresh_token.policies[1].audience (line 12)',
    ],
  },
  {
    name: 'role with an unknown permission',
    text: yaml(
      ...API_WITH_SCOPES,
      'roles:',
      '  - name: Admin',
      '    permissions:',
      '      - { permission_name: delete:orders, resource_server_identifier: https://api.test/orders }',
      '      - { permission_name: read:orders, resource_server_identifier: https://api.test/nope }',
    ),
    paths: [
      'roles[0].permissions[0].permission_name (line 8)',
      'roles[0].permissions[1].resource_server_identifier (line 9)',
    ],
  },
  {
    name: 'user with an unknown role',
    text: yaml(
      'roles:',
      '  - name: Admin',
      'users:',
      '  - email: a@example.com',
      '    password: long-enough-password',
      '    roles: [Admn]',
    ),
    paths: ['users[0].roles[0] (line 6)'],
    messages: [/role `Admn` is not declared\. Did you mean `Admin`\?/],
  },
  {
    name: 'duplicate user e-mails (case-insensitive) and bad user fields',
    text: yaml(
      'users:',
      '  - { email: a@example.com, password: long-enough-password }',
      '  - { email: A@Example.com, password: long-enough-password, user_id: "123", picture: "http://x.test/a.png" }',
      '  - { email: not-an-email, password: long-enough-password }',
    ),
    paths: [
      'users[1].user_id (line 3)',
      'users[1].picture (line 3)',
      'users[1].email (line 3)',
      'users[2].email (line 4)',
    ],
    messages: [
      /must look like auth0\|<id>/,
      /not an https URL/,
      /already used by users\[0\]\.email \(line 2\)/,
      /not a valid e-mail/,
    ],
  },
  {
    name: 'Management API identifier declared',
    text: yaml(
      'resourceServers:',
      '  - name: Auth0 Management API',
      '    identifier: https://acme.eu.auth0.com/api/v2/',
    ),
    paths: ['resourceServers[0].name (line 2)', 'resourceServers[0].identifier (line 3)'],
  },
  {
    name: 'RBAC dialect without enforce_policies',
    text: yaml(...API, '    token_dialect: rfc9068_profile_authz'),
    paths: ['resourceServers[0].token_dialect (line 4)'],
    messages: [/requires enforce_policies: true/],
  },
  {
    name: 'out-of-range token_lifetime',
    text: yaml(...API, '    token_lifetime: 0'),
    paths: ['resourceServers[0].token_lifetime (line 4)'],
    messages: [/expected a number at least 1, got `0`/],
  },
  {
    name: 'bad scopes',
    text: yaml(...API, '    scopes: [{ value: "read orders" }, { value: a }, { value: a }]'),
    paths: ['resourceServers[0].scopes[0].value (line 4)', 'resourceServers[0].scopes[2].value (line 4)'],
  },
  {
    name: 'bad callback URLs: javascript:, fragment, credentials, a wildcard Auth0 refuses, relative',
    text: yaml(
      'clients:',
      '  - name: SPA',
      '    app_type: spa',
      '    callbacks:',
      '      - JaVaScRiPt:alert(1)',
      '      - https://app.test/cb#frag',
      '      - https://user:pw@app.test/cb',
      '      - https://app.*.test/cb',
      '      - /cb',
      '      - myapp://cb',
      '    web_origins: [https://*.*.app.test, data:text/html]',
    ),
    paths: [
      'clients[0].callbacks[0] (line 5)',
      'clients[0].callbacks[1] (line 6)',
      'clients[0].callbacks[2] (line 7)',
      'clients[0].callbacks[3] (line 8)',
      'clients[0].callbacks[4] (line 9)',
      'clients[0].callbacks[5] (line 10)',
      'clients[0].web_origins[0] (line 11)',
      'clients[0].web_origins[1] (line 11)',
    ],
    messages: [
      /`javascript:` URLs are not allowed/,
      /fragment/,
      /credentials/,
      /not a wildcard URL Auth0 accepts: the wildcard must be in the subdomain furthest from the root domain/,
      /not an absolute URL/,
      /only http and https/,
      /one wildcard only/,
      /`data:`/,
    ],
  },
  {
    name: 'unknown and Auth0-only grant types',
    text: yaml(
      'clients:',
      '  - name: M2M',
      '    app_type: non_interactive',
      '    grant_types: [client_credential, implicit]',
    ),
    paths: ['clients[0].grant_types[0] (line 4)'],
    messages: [/Did you mean `client_credentials`\?/],
  },
  {
    name: 'wildcards Auth0 refuses: in the domain itself, in a custom scheme',
    text: yaml(
      'clients:',
      '  - name: Native',
      '    app_type: native',
      '    callbacks: [https://*.test/cb, com.example.app://*.example.com/cb]',
    ),
    paths: ['clients[0].callbacks[0] (line 4)', 'clients[0].callbacks[1] (line 4)'],
    messages: [/in a subdomain, not in the domain itself/, /http and https URLs only/],
  },
  {
    name: 'tenant default_audience must be declared',
    text: yaml('tenant:', '  default_audience: https://api.test/orders', '  idle_session_lifetime: 1000'),
    paths: ['tenant.default_audience (line 2)', 'tenant.idle_session_lifetime (line 3)'],
  },
  {
    name: 'wrong types',
    text: yaml('clients: { name: a }', 'roles:', '  - name: 42', '    permissions: read'),
    paths: ['clients (line 1)', 'roles[0].name (line 3)', 'roles[0].permissions (line 4)'],
    messages: [
      /expected a list, got a mapping/,
      /expected a string, got `42`/,
      /expected a list, got the string `read`/,
    ],
  },
  {
    name: 'multiple problems in different sections are reported together',
    text: yaml(
      'resourceServers:',
      '  - name: Orders',
      '    identifier: https://api.test/orders',
      '    signing_alg: PS256',
      '    token_dialect: access_token_authz',
      'clients:',
      '  - name: Worker',
      '    app_type: machine',
      '  - name: SPA',
      '    app_type: spa',
      '    callbacks: [javascript:alert(1)]',
      'clientGrants:',
      '  - { client_id: Worker, audience: https://api.test/billing, scope: [] }',
      'users:',
      '  - { email: a@example.com, password: short }',
      'rules: []',
      'organisations: []',
    ),
    paths: [
      'resourceServers[0].token_dialect (line 5)',
      'clients[0].app_type (line 8)',
      'clients[1].callbacks[0] (line 11)',
      'clientGrants[0].audience (line 13)',
      'users[0].password (line 15)',
      'organisations (line 17)',
    ],
    messages: [
      undefined,
      /expected one of native, spa, regular_web, non_interactive, .*, got the string `machine`/,
      undefined,
      undefined,
      undefined,
      /Did you mean `organizations`\?/,
    ],
  },
];

describe('invalid tenant files', () => {
  it.each(cases)('$name', ({ text, code, paths, messages }) => {
    const error = expectConfigError(text);
    expect(error.code).toBe(code ?? 'ERR_CONFIG_INVALID');
    expect(error.issues.map((i) => i.path)).toEqual(paths);
    messages?.forEach((pattern, i) => {
      if (pattern) expect(error.issues[i]?.message).toMatch(pattern);
    });
  });

  it('never echoes a password, even a bad one', () => {
    for (const password of ['hunter2', '1234567890', 'x'.repeat(1025)]) {
      const error = expectConfigError(yaml('users:', '  - email: a@example.com', `    password: ${password}`));
      expect(error.issues.map((i) => i.path)).toEqual(['users[0].password (line 3)']);
      expect(error.message).not.toContain(password.slice(0, 7));
    }
  });

  it('never echoes a client secret', () => {
    const secret = 'TopSecretValue';
    const error = expectConfigError(
      yaml(
        'clients:',
        '  - { name: W, app_type: non_interactive, client_secret: TopSecretValue }',
        '  - { name: S, app_type: native, callbacks: [com.x.app://cb], client_secret: TopSecretValueTopSecretValueTopSecretValue }',
      ),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      'clients[0].client_secret (line 2)',
      'clients[1].client_secret (line 3)',
    ]);
    expect(error.message).not.toContain(secret);
  });

  it('does not echo credentials embedded in a URL', () => {
    const error = expectConfigError(yaml('tenant:', '  allowed_logout_urls: ["https://admin:Pa55w0rd@app.test/"]'));
    expect(error.issues.map((i) => i.path)).toEqual(['tenant.allowed_logout_urls[0] (line 2)']);
    expect(error.message).not.toContain('Pa55w0rd');
  });

  it('truncates long quoted values to 80 characters', () => {
    const long = `https://${'a'.repeat(200)}.test/cb#x`;
    const error = expectConfigError(
      yaml('clients:', '  - name: W', '    app_type: regular_web', `    callbacks: ["${long}"]`),
    );
    const quoted = /`([^`]*)`/.exec(error.issues[0]?.message ?? '')?.[1] ?? '';
    expect(quoted.length).toBe(80);
    expect(quoted.endsWith('…')).toBe(true);
  });
});

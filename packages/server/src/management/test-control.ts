import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Permission, TenantConfig } from '../config/types.ts';
import { isDatabase } from '../tenant/connections.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { UserRecord } from '../tenant/records.ts';
import { seedTenant } from '../tenant/seed.ts';
import { EntityWriter } from './entity-writer.ts';
import { ManagementError } from './errors.ts';
import { readJsonBody } from './json-body.ts';
import { userToCreate } from './user-input.ts';
import { putUser } from './user-store.ts';

/** Where the test-mode control API lives: a prefix Auth0 never uses, so it cannot shadow an Auth0 path. */
export const TEST_CONTROL_PREFIX = '/__authmesh/test/';

/** A user as a test describes it: roles by name, permissions as tenant.yaml writes them. */
interface UserChange {
  email?: unknown;
  password?: unknown;
  name?: unknown;
  roles?: unknown;
  permissions?: unknown;
  app_metadata?: unknown;
  user_metadata?: unknown;
}

/**
 * The runtime control API of a tenant started in test mode (`createTenant({ testMode })`, `authmesh dev
 * --test-mode`; never `serve`): what a test suite changes between tests without restarting the tenant.
 * Every request needs `Authorization: Bearer <token>`, the per-run token the tenant was started with.
 *
 * - `POST /__authmesh/test/users` `{ email, password, name?, roles?, permissions?, app_metadata?, user_metadata? }` → 201
 * - `PATCH /__authmesh/test/users` `{ email, roles?, permissions?, app_metadata?, user_metadata? }` → 200;
 *   `roles` and `permissions` replace the user's, metadata replaces the user's
 * - `POST /__authmesh/test/reset` → 200: users back to the configuration's, sessions and tokens of removed ones revoked
 */
export function createTestControl(options: { tenant: TenantContext; config: TenantConfig; token: string }) {
  const { tenant, config } = options;
  const expected = Buffer.from(`Bearer ${options.token}`);
  const writer = new EntityWriter(tenant);
  const authorized = (header: string | undefined) => {
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return async function testControl(ctx: Context, next: Next): Promise<void> {
    if (!ctx.path.startsWith(TEST_CONTROL_PREFIX)) return next();
    ctx.set('Cache-Control', 'no-store');
    if (!authorized(ctx.get('authorization') || undefined)) {
      return answer(ctx, 401, { error: 'unauthorized', error_description: 'The test-mode token is missing or wrong.' });
    }
    try {
      const route = `${ctx.method} ${ctx.path.slice(TEST_CONTROL_PREFIX.length)}`;
      if (route === 'POST users') return answer(ctx, 201, await createUser(asChange(await readJsonBody(ctx.req))));
      if (route === 'PATCH users') return answer(ctx, 200, await updateUser(asChange(await readJsonBody(ctx.req))));
      if (route === 'POST reset') return answer(ctx, 200, await reset());
      return answer(ctx, 404, { error: 'not_found', error_description: `No test-mode route ${route}.` });
    } catch (error) {
      if (error instanceof ManagementError) {
        return answer(ctx, error.statusCode, {
          error: error.errorCode ?? 'bad_request',
          error_description: error.message,
        });
      }
      throw error;
    }
  };

  async function createUser(change: UserChange) {
    const databases = tenant.registry
      .connections()
      .filter(isDatabase)
      .map((c) => c.name);
    const body = {
      email: change.email,
      password: change.password,
      connection: databases[0],
      email_verified: true,
      ...(change.name === undefined ? {} : { name: change.name }),
      ...(change.app_metadata === undefined ? {} : { app_metadata: change.app_metadata }),
      ...(change.user_metadata === undefined ? {} : { user_metadata: change.user_metadata }),
    };
    const created = await userToCreate(body, databases, tenant.passwordHasher);
    const user = applyAccess(created, change);
    await writer.exclusive(() => writer.commit([putUser(user)], 'The user already exists.'));
    return { user_id: user.user_id, email: user.email };
  }

  async function updateUser(change: UserChange) {
    if (typeof change.email !== 'string') throw badRequest('email is required and names the user to change.');
    const email = change.email;
    return writer.exclusive(async () => {
      const stored = await tenant.storage.entities.getByKey<UserRecord>('user', email.toLowerCase());
      if (!stored) throw new ManagementError(404, `No user ${email}.`, 'inexistent_user');
      const user: UserRecord = {
        ...applyAccess(stored.doc, change),
        ...(change.app_metadata === undefined ? {} : { app_metadata: asObject(change.app_metadata, 'app_metadata') }),
        ...(change.user_metadata === undefined
          ? {}
          : { user_metadata: asObject(change.user_metadata, 'user_metadata') }),
        updated_at: new Date().toISOString(),
      };
      await writer.commit([putUser(user)]);
      return { user_id: user.user_id, email: user.email };
    });
  }

  async function reset() {
    return writer.exclusive(async () => {
      const users = await tenant.storage.entities.list<UserRecord>('user');
      const removed = users.items.map((u) => u.doc.user_id);
      await tenant.storage.entities.apply(users.items.map((u) => ({ op: 'delete', kind: 'user', id: u.id }) as const));
      for (const userId of removed) await tenant.storage.revokeAccount(userId);
      await seedTenant(tenant.storage, config, tenant.issuer, { force: true, passwordHasher: tenant.passwordHasher });
      await tenant.registry.refresh();
      const seeded = await tenant.storage.entities.list<UserRecord>('user');
      return { users: seeded.items.map((u) => ({ email: u.doc.email, user_id: u.doc.user_id })) };
    });
  }

  /** `user` with the roles (by name) and direct permissions a change names, replacing the user's. */
  function applyAccess(user: UserRecord, change: UserChange): UserRecord {
    const next = { ...user };
    if (change.roles !== undefined) {
      next.roles = asStrings(change.roles, 'roles').map((name) => {
        const role = tenant.registry.roles().find((r) => r.name === name);
        if (!role) throw badRequest(`No role named ${name}.`);
        return role.id;
      });
    }
    if (change.permissions !== undefined) next.permissions = asPermissions(change.permissions);
    return next;
  }
}

function answer(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.body = body;
}

function badRequest(message: string): ManagementError {
  return new ManagementError(400, message, 'invalid_body');
}

function asChange(body: unknown): UserChange {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('The body must be a JSON object.');
  return body as UserChange;
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badRequest(`${field} must be an object.`);
  return value as Record<string, unknown>;
}

function asStrings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw badRequest(`${field} must be an array of strings.`);
  }
  return value;
}

function asPermissions(value: unknown): Permission[] {
  const valid = (p: unknown): p is Permission =>
    p !== null &&
    typeof p === 'object' &&
    typeof (p as Permission).permission_name === 'string' &&
    typeof (p as Permission).resource_server_identifier === 'string';
  if (!Array.isArray(value) || !value.every(valid)) {
    throw badRequest('permissions must be an array of { permission_name, resource_server_identifier }.');
  }
  return value.map((p) => ({
    permission_name: p.permission_name,
    resource_server_identifier: p.resource_server_identifier,
  }));
}

import { isDatabase } from '../tenant/connections.ts';
import type { TenantContext } from '../tenant/context.ts';
import type { UserRecord } from '../tenant/records.ts';
import { hasScope, requireScope } from './auth.ts';
import { conflict, invalidQuery, ManagementError } from './errors.ts';
import { fieldSelection } from './fields.ts';
import { pageBody, pageWindow, paginate } from './pagination.ts';
import { checkUnchanged } from './read-only-fields.ts';
import type { Caller, ManagementDeps, ManagementRoute } from './types.ts';
import { parseUserUpdate, type UserUpdate, userToCreate, userToUpdate } from './user-input.ts';
import { findUser, putUser, usersPage } from './user-store.ts';
import { userView } from './user-view.ts';

/*
 * `/api/v2/users` and `/api/v2/users-by-email`, for the database connection:
 * - e-mails are unique, case-insensitively (409); `password_hash` never appears in an answer;
 * - `q` supports `email:"…"` only (no Lucene): enough for the SDKs' "find by e-mail" helpers;
 * - self-service (Auth0's SPA scopes): a user's own Management API token may read its own user
 *   (`read:current_user`) and change its own `user_metadata` (`update:current_user_metadata`), and
 *   nothing about anyone else: the id is compared before any lookup, so it reveals no other user.
 * Login reads users from storage on every attempt: a blocked, deleted or re-passworded user takes
 * effect on the next login. A password change, a block or a deletion also ends what the user already
 * holds: sessions, grants, refresh tokens (and the self-service token: see active-user.ts).
 */

const DUPLICATE = 'The user already exists.';

/** The user routes. */
export function userRoutes({ tenant, writer }: ManagementDeps): ManagementRoute[] {
  return [
    {
      method: 'GET',
      path: '/users',
      scopes: ['read:users'],
      async handler({ query }) {
        const email = emailQuery(query.get('q'));
        const select = fieldSelection(query);
        const view = (u: UserRecord) => select(userView(u, tenant.registry));
        if (email !== undefined) {
          // Through the storage's e-mail index: social and enterprise users, keyed by user_id, share addresses.
          const found = await tenant.storage.entities.findUsersByEmail<UserRecord>(email);
          return {
            status: 200,
            body: withLength(
              paginate(
                found.map((e) => view(e.doc)),
                query,
                'users',
              ),
            ),
          };
        }
        // Without `q`, storage reads only the page asked for (and counts the rest).
        const window = pageWindow(query);
        const { users, total } = await usersPage(tenant, window.start, window.size);
        return { status: 200, body: withLength(pageBody(window, users.map(view), total, 'users')) };
      },
    },
    {
      method: 'POST',
      path: '/users',
      scopes: ['create:users'],
      body: true,
      async handler({ body }) {
        const user = await userToCreate(body, databaseNames(tenant), tenant.passwordHasher);
        return writer.exclusive(async () => {
          const taken = await tenant.storage.entities.getByKey<UserRecord>('user', user.email);
          const idTaken = await tenant.storage.entities.get<UserRecord>('user', user.user_id);
          if (taken || idTaken) throw conflict(DUPLICATE);
          await writer.commit([putUser(user)], DUPLICATE);
          return { status: 201, body: userView(user, tenant.registry) };
        });
      },
    },
    {
      method: 'GET',
      path: '/users/:id',
      scopes: ['read:users', 'read:current_user'],
      async handler({ params, query, caller }) {
        if (!hasScope(caller, 'read:users')) requireSelf(caller, params.id, 'read');
        return {
          status: 200,
          body: fieldSelection(query)(userView(await findUser(tenant, params.id), tenant.registry)),
        };
      },
    },
    {
      method: 'PATCH',
      path: '/users/:id',
      scopes: ['update:users', 'update:users_app_metadata', 'update:current_user_metadata'],
      body: true,
      async handler({ params, body, caller }) {
        const update = parseUserUpdate(body, databaseNames(tenant));
        authorizeUpdate(caller, params.id, update);
        return writer.exclusive(async () => {
          const stored = await findUser(tenant, params.id);
          // An SDK sending back what it read repeats user_id: accepted when unchanged (read-only-fields.ts).
          checkUnchanged(update, 'user_id', stored.user_id);
          const user = await userToUpdate(stored, update, tenant.passwordHasher);
          if (user.email !== stored.email) {
            const taken = await tenant.storage.entities.getByKey<UserRecord>('user', user.email);
            if (taken) throw conflict(DUPLICATE);
          }
          await writer.commit([putUser(user)], DUPLICATE);
          if (endsSignIns(stored, user)) await tenant.storage.revokeAccount(user.user_id);
          return { status: 200, body: userView(user, tenant.registry) };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/users/:id',
      scopes: ['delete:users'],
      async handler({ params }) {
        return writer.exclusive(async () => {
          const stored = await findUser(tenant, params.id);
          await writer.commit([{ op: 'delete', kind: 'user', id: stored.user_id }]);
          await tenant.storage.revokeAccount(stored.user_id);
          return { status: 204 };
        });
      },
    },
    {
      method: 'GET',
      path: '/users-by-email',
      scopes: ['read:users'],
      async handler({ query }) {
        const email = query.get('email');
        if (email === null || email === '') throw invalidQuery('Missing required property: email', 'email');
        // Auth0's "Search Users by Email": every user with this address (a database user and social or
        // enterprise users alike, for account linking), matched exactly, case included. Database users'
        // addresses are stored lower-cased; other identity providers' as they gave them.
        const found = await tenant.storage.entities.findUsersByEmail<UserRecord>(email);
        const select = fieldSelection(query);
        return { status: 200, body: found.map((entity) => select(userView(entity.doc, tenant.registry))) };
      },
    },
  ];
}

/** A new password or a block signs the user out everywhere: whatever a leaked password obtained must end. */
function endsSignIns(before: UserRecord, after: UserRecord): boolean {
  return after.password_hash !== before.password_hash || (after.blocked && !before.blocked);
}

/**
 * Which fields each scope may change: `update:users` everything, `update:users_app_metadata` only
 * `app_metadata`, `update:current_user_metadata` only the caller's own `user_metadata`.
 */
function authorizeUpdate(caller: Caller, userId: string | undefined, update: UserUpdate): void {
  if (hasScope(caller, 'update:users')) return;
  const fields = Object.keys(update).filter((f) => f !== 'user_id' || update.user_id !== userId);
  if (hasScope(caller, 'update:users_app_metadata') && fields.every((f) => f === 'app_metadata')) return;
  if (hasScope(caller, 'update:current_user_metadata')) {
    requireSelf(caller, userId, 'update');
    if (fields.every((f) => f === 'user_metadata')) return;
    throw new ManagementError(
      403,
      'A token with update:current_user_metadata may only change user_metadata.',
      'insufficient_scope',
    );
  }
  requireScope(caller, ['update:users']);
}

/** Self-service: the caller must be a user's token acting on that very user. */
function requireSelf(caller: Caller, userId: string | undefined, action: 'read' | 'update'): void {
  if (caller.user !== undefined && caller.user === userId) return;
  throw new ManagementError(403, `You cannot ${action} another user with a self-service token.`, 'insufficient_scope');
}

/** `q=email:"alice@example.com"` (quotes optional), lower-cased; undefined without `q`. */
function emailQuery(q: string | null): string | undefined {
  if (q === null || q === '') return undefined;
  const match = /^email:(?:"([^"]+)"|(\S+))$/.exec(q.trim());
  const email = match?.[1] ?? match?.[2];
  if (email === undefined) throw invalidQuery('Only q=email:"<address>" is supported', 'q');
  return email.toLowerCase();
}

/** Auth0's users page also carries `length`, the number of users on the page. */
function withLength(page: unknown): unknown {
  if (Array.isArray(page)) return page;
  const { start, limit, total, users } = page as { start: number; limit: number; total: number; users: unknown[] };
  return { start, limit, length: users.length, total, users };
}

/** The names of the tenant's database connections: the only ones `/api/v2/users` creates users in. */
function databaseNames(tenant: TenantContext): string[] {
  return tenant.registry
    .connections()
    .filter(isDatabase)
    .map((c) => c.name);
}

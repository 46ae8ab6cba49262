import { createHash, randomUUID } from 'node:crypto';
import { checkIssuerIdentifiers } from '../config/identifier-collisions.ts';
import { withManagementApiAudience } from '../config/management-audience.ts';
import type { TenantConfig, UserSeed } from '../config/types.ts';
import type { Entity, EntityKind, EntityOp, Storage } from '../storage/contract.ts';
import {
  newClientGrantId,
  newClientId,
  newClientSecret,
  newConnectionId,
  newResourceServerId,
  newRoleId,
  newUserId,
} from './ids.ts';
import { managementApiIdentifier } from './management-api.ts';
import type { PasswordHasher } from './password-kdf.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import {
  ACTION_BINDINGS_STATE_KEY,
  type ActionRecord,
  type ClientRecord,
  type ConnectionRecord,
  grantKey,
  type ResourceServerRecord,
  type RoleRecord,
  type UserRecord,
} from './records.ts';
import { defaultName, defaultNickname, defaultPicture } from './user-defaults.ts';

/** Keys of the entities the file declared last time, so that entities removed from the file are removed. */
export const seededKey = (kind: EntityKind) => `seeded:${kind}`;

export const SEEDED_DIGEST = 'seeded:digest';

/** What a seeding run did that the caller must know about. */
export interface SeedResult {
  /** Ids of the clients whose secret this run generated: the only secrets `authmesh dev` prints by default. */
  generatedSecrets: ReadonlySet<string>;
}

/**
 * Makes storage hold what tenant.yaml declares, in one atomic batch: ids and secrets that were generated
 * before are kept (so apps configured with them keep working), entities the file no longer declares are
 * deleted, and entities created by other means (the Management API) are left alone.
 *
 * The file is applied when it changed since the last start (as `a0deploy import` applies a file): while it
 * is unchanged, changes made at run time (through /api/v2) persist across restarts. Only seeded users'
 * passwords are re-checked every time, because they are kept out of the digest.
 *
 * A user whose password the file changed, or whom it no longer declares, loses its sessions and tokens.
 */
export async function seedTenant(
  storage: Storage,
  config: TenantConfig,
  issuer: string,
  options: { force?: boolean; passwordHasher?: PasswordHasher } = {},
): Promise<SeedResult> {
  // Seeding hashes every user of the file at once: it waits for the hashing threads, it is never refused.
  const hasher = options.passwordHasher?.patient ?? options.passwordHasher;
  config = withManagementApiAudience(config, managementApiIdentifier(issuer));
  checkIssuerIdentifiers(config, issuer);
  const digest = configDigest(config, issuer);
  if (!options.force && (await storage.getState<string>(SEEDED_DIGEST)) === digest) {
    await syncSeededPasswords(storage, config, hasher);
    return { generatedSecrets: new Set() };
  }
  const result = await applyConfig(storage, config, hasher);
  await storage.setState(SEEDED_DIGEST, digest);
  return result;
}

/** A digest of what the file declares, passwords left out (they are checked against their stored hashes). */
function configDigest(config: TenantConfig, issuer: string): string {
  const declared = {
    ...config,
    source: undefined,
    warnings: undefined,
    users: config.users.map((u) => ({ ...u, password: undefined })),
  };
  return createHash('sha256').update(JSON.stringify({ issuer, declared })).digest('base64url');
}

async function syncSeededPasswords(storage: Storage, config: TenantConfig, hasher?: PasswordHasher): Promise<void> {
  const ops: EntityOp[] = [];
  for (const seed of config.users) {
    const existing = await storage.entities.getByKey<UserRecord>('user', seed.email);
    if (!existing || (await verifyPassword(seed.password, existing.doc.password_hash, hasher))) continue;
    const doc = {
      ...existing.doc,
      password_hash: await hashPassword(seed.password, hasher),
      updated_at: new Date().toISOString(),
    };
    ops.push({ op: 'put', kind: 'user', id: existing.id, key: existing.key, doc });
  }
  if (ops.length === 0) return;
  await storage.entities.apply(ops);
  for (const op of ops) await storage.revokeAccount(op.id);
}

async function applyConfig(storage: Storage, config: TenantConfig, hasher?: PasswordHasher): Promise<SeedResult> {
  const ops: EntityOp[] = [];
  // Secrets made here; a client whose final doc holds one of them got its secret in this run.
  const newSecrets = new Set<string>();

  const apiKeys = await upsertAll(storage, ops, 'resource_server', config.resourceServers, (api, existing) => ({
    id: existing?.id ?? newResourceServerId(),
    key: api.identifier,
    doc: { ...api, id: existing?.id ?? '' } satisfies ResourceServerRecord,
  }));

  const clientIdsByName = new Map<string, string>();
  const generate = () => {
    const secret = newClientSecret();
    newSecrets.add(secret);
    return secret;
  };
  const clientKeys = await upsertAll(storage, ops, 'client', config.clients, (client, existing) => {
    const stored = existing?.doc as ClientRecord | undefined;
    const clientId = client.client_id ?? stored?.client_id ?? newClientId();
    clientIdsByName.set(client.name, clientId);
    const confidential = client.token_endpoint_auth_method !== 'none';
    const secret = confidential ? (client.client_secret ?? stored?.client_secret ?? generate()) : undefined;
    const record: ClientRecord = { ...client, client_id: clientId };
    if (secret !== undefined) record.client_secret = secret;
    else delete record.client_secret;
    return { id: clientId, key: client.name, doc: record };
  });

  const grantKeys = await upsertAll(
    storage,
    ops,
    'client_grant',
    config.clientGrants.map((g) => ({ ...g, client_id: resolveClientId(config, clientIdsByName, g.client_id) })),
    (grant, existing) => ({
      id: existing?.id ?? newClientGrantId(),
      key: grantKey(grant.client_id, grant.audience, grant.subject_type),
      doc: {
        id: existing?.id ?? '',
        client_id: grant.client_id,
        audience: grant.audience,
        scope: grant.scope,
        ...(grant.subject_type === 'user' ? { subject_type: 'user' as const } : {}),
      },
    }),
  );

  const roleIdsByName = new Map<string, string>();
  const roleKeys = await upsertAll(storage, ops, 'role', config.roles, (role, existing) => {
    const id = existing?.id ?? newRoleId();
    roleIdsByName.set(role.name, id);
    return { id, key: role.name, doc: { ...role, id } satisfies RoleRecord };
  });

  // Client names become ids; a reference to a client the file does not declare is kept as written (an id).
  const connectionKeys = await upsertAll(storage, ops, 'connection', config.connections, (connection, existing) => {
    const id = existing?.id ?? newConnectionId();
    const { enabled_clients: enabled, ...rest } = connection;
    const doc: ConnectionRecord = {
      ...rest,
      id,
      enabled_clients: enabled === undefined ? null : enabled.map((ref) => clientIdsByName.get(ref) ?? ref),
    };
    return { id, key: connection.name, doc };
  });

  // Actions from the file are deployed (the Deploy CLI deploys what it imports with `deployed: true`, and
  // the config loader refuses bindings to the others); an edit made through /api/v2 is replaced.
  const now = new Date().toISOString();
  const actionKeys = await upsertAll(storage, ops, 'action', config.actions, (action, existing) => {
    const stored = existing?.doc as ActionRecord | undefined;
    const id = stored?.id ?? randomUUID();
    const doc: ActionRecord = {
      ...action,
      id,
      deployed: true,
      status: 'built',
      created_at: stored?.created_at ?? now,
      updated_at: now,
    };
    return { id, key: action.name, doc };
  });

  const users: { seed: UserSeed; existing: Entity<UserRecord> | undefined }[] = [];
  for (const seed of config.users) {
    users.push({ seed, existing: await storage.entities.getByKey<UserRecord>('user', seed.email) });
  }
  const userRecords = await Promise.all(
    users.map(({ seed, existing }) => toUserRecord(seed, existing?.doc, roleIdsByName, hasher)),
  );
  const signedOut: string[] = [];
  for (const [i, record] of userRecords.entries()) {
    const previous = users[i]?.existing;
    if (previous && previous.doc.password_hash !== record.password_hash) signedOut.push(previous.id);
    if (previous && previous.id !== record.user_id) ops.push({ op: 'delete', kind: 'user', id: previous.id });
    ops.push({ op: 'put', kind: 'user', id: record.user_id, key: record.email, doc: record });
  }
  const userKeys = userRecords.map((u) => u.email);

  // Each record's id must also be inside its doc; fill the ones generated above.
  for (const op of ops) {
    if (op.op === 'put' && (op.kind === 'resource_server' || op.kind === 'client_grant')) {
      (op.doc as { id: string }).id = op.id;
    }
  }

  const declared = [
    ['resource_server', apiKeys],
    ['client', clientKeys],
    ['client_grant', grantKeys],
    ['role', roleKeys],
    ['connection', connectionKeys],
    ['action', actionKeys],
    ['user', userKeys],
  ] as const;
  for (const [kind, keys] of declared) await removeUndeclared(storage, ops, kind, keys);
  await storage.entities.apply(ops);
  for (const [kind, keys] of declared) await storage.setState(seededKey(kind), keys);
  // A file with actions or triggers owns the bindings, as `a0deploy import` rewrites every trigger it lists.
  if (config.actions.length > 0 || Object.keys(config.triggers).length > 0) {
    await storage.setState(ACTION_BINDINGS_STATE_KEY, config.triggers);
  }
  for (const op of ops) if (op.op === 'delete' && op.kind === 'user') signedOut.push(op.id);
  for (const userId of new Set(signedOut)) await storage.revokeAccount(userId);
  const generatedSecrets = new Set<string>();
  for (const op of ops) {
    const secret = op.op === 'put' && op.kind === 'client' ? (op.doc as ClientRecord).client_secret : undefined;
    if (op.op === 'put' && secret !== undefined && newSecrets.has(secret)) generatedSecrets.add(op.id);
  }
  return { generatedSecrets };
}

async function upsertAll<T>(
  storage: Storage,
  ops: EntityOp[],
  kind: EntityKind,
  items: readonly T[],
  build: (item: T, existing: Entity | undefined) => { id: string; key: string; doc: unknown },
): Promise<string[]> {
  const keys: string[] = [];
  for (const item of items) {
    const probe = build(item, undefined);
    const existing = await storage.entities.getByKey<Record<string, unknown>>(kind, probe.key);
    const next = existing ? build(item, existing) : probe;
    if (existing && existing.id !== next.id) ops.push({ op: 'delete', kind, id: existing.id });
    ops.push({ op: 'put', kind, id: next.id, key: next.key, doc: next.doc });
    keys.push(next.key);
  }
  return keys;
}

async function removeUndeclared(storage: Storage, ops: EntityOp[], kind: EntityKind, declared: string[]) {
  const previous = (await storage.getState<string[]>(seededKey(kind))) ?? [];
  const keep = new Set(declared);
  // An entity renamed in the file keeps its (pinned) id: it is rewritten in this batch, not removed.
  const rewritten = new Set(ops.filter((op) => op.op === 'put' && op.kind === kind).map((op) => op.id));
  for (const key of previous) {
    if (keep.has(key)) continue;
    const entity = await storage.entities.getByKey(kind, key);
    if (entity && !rewritten.has(entity.id)) ops.push({ op: 'delete', kind, id: entity.id });
  }
}

function resolveClientId(config: TenantConfig, byName: Map<string, string>, nameOrId: string): string {
  const byNameId = byName.get(nameOrId);
  if (byNameId) return byNameId;
  const pinned = config.clients.find((c) => c.client_id === nameOrId);
  if (pinned?.client_id) return pinned.client_id;
  throw new Error(`client "${nameOrId}" was not resolved; config validation should have caught it`);
}

async function toUserRecord(
  seed: UserSeed,
  existing: UserRecord | undefined,
  roleIdsByName: Map<string, string>,
  hasher?: PasswordHasher,
): Promise<UserRecord> {
  const now = new Date().toISOString();
  // Re-hashing on every start would churn the salt; keep the stored hash while the password is unchanged.
  const sameSecret = existing ? await verifyPassword(seed.password, existing.password_hash, hasher) : false;
  const record: UserRecord = {
    user_id: seed.user_id ?? existing?.user_id ?? newUserId(),
    email: seed.email,
    email_verified: seed.email_verified,
    name: seed.name ?? defaultName(seed.email),
    nickname: seed.nickname ?? defaultNickname(seed.email),
    picture: seed.picture ?? defaultPicture(seed.email),
    password_hash: sameSecret && existing ? existing.password_hash : await hashPassword(seed.password, hasher),
    roles: seed.roles.map((name) => roleIdsByName.get(name) ?? name),
    permissions: seed.permissions,
    app_metadata: seed.app_metadata,
    user_metadata: seed.user_metadata,
    blocked: false,
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  if (seed.given_name !== undefined) record.given_name = seed.given_name;
  if (seed.family_name !== undefined) record.family_name = seed.family_name;
  // Login statistics are the user's history, not part of the file: seeding again keeps them.
  if (existing?.logins_count !== undefined) record.logins_count = existing.logins_count;
  if (existing?.last_login !== undefined) record.last_login = existing.last_login;
  if (existing?.last_ip !== undefined) record.last_ip = existing.last_ip;
  return record;
}

/**
 * The storage contract of the tenant. One interface, several backends: the embedded `node:sqlite` store
 * today, Postgres later. Every backend must pass the shared contract suite in
 * `packages/server/test/storage/contract.ts` unchanged.
 *
 * Three kinds of data live here:
 * - the engine's (oidc-provider's) models: sessions, codes, grants, refresh tokens, interactions...;
 * - tenant entities: resource servers, clients, client grants, roles, users (JSON documents with a unique key);
 * - tenant state: signing keys, cookie keys, generated client ids and secrets (create-once values).
 */

import type { CounterStore } from './counters.ts';

/** A JSON object as oidc-provider hands it to its adapter. */
export type ModelPayload = Record<string, unknown>;

/**
 * The storage of one oidc-provider model (`Session`, `AuthorizationCode`, `RefreshToken`, ...). Ids are
 * opaque strings to the backend: the engine adapter stores bearer values under a hash, so a backend never
 * sees a redeemable token. Backends index `payload.grantId`, `payload.uid`, `payload.userCode` and
 * `payload.accountId` for the lookups below.
 */
export interface ModelStore {
  /** Inserts or replaces. `expiresIn` is in seconds; undefined means no expiry. */
  upsert(id: string, payload: ModelPayload, expiresIn: number | undefined): Promise<void>;
  /** The payload, or undefined when absent or expired. A consumed payload carries `consumed` (epoch seconds). */
  find(id: string): Promise<ModelPayload | undefined>;
  /** Lookup by `payload.uid` (sessions). */
  findByUid(uid: string): Promise<ModelPayload | undefined>;
  /** Lookup by `payload.userCode` (device flow). */
  findByUserCode(userCode: string): Promise<ModelPayload | undefined>;
  /**
   * Marks the record consumed, atomically: of N concurrent callers exactly one gets `true`; the others,
   * and any later caller, get `false`. Absent or expired records give `false`.
   */
  consume(id: string): Promise<boolean>;
  destroy(id: string): Promise<void>;
  /** Deletes every record of this model whose payload has this `grantId`. */
  revokeByGrantId(grantId: string): Promise<void>;
}

/** The kinds of tenant entity. */
export type EntityKind = 'resource_server' | 'client' | 'client_grant' | 'role' | 'user' | 'connection' | 'action';

/** A stored tenant entity: `key` is unique per kind (identifier, name, email...). */
export interface Entity<T = Record<string, unknown>> {
  id: string;
  key: string;
  doc: T;
}

export interface ListOptions {
  /** Number of entities to skip (ordered by insertion). */
  offset?: number;
  /** Maximum number returned; undefined means all. */
  limit?: number;
}

export interface EntityPage<T> {
  items: Entity<T>[];
  total: number;
}

/** One step of an atomic batch. */
export type EntityOp =
  | { op: 'put'; kind: EntityKind; id: string; key: string; doc: unknown }
  | { op: 'delete'; kind: EntityKind; id: string };

export interface EntityStore {
  get<T>(kind: EntityKind, id: string): Promise<Entity<T> | undefined>;
  /** Lookup by the unique key. Keys are compared exactly (callers lower-case emails before). */
  getByKey<T>(kind: EntityKind, key: string): Promise<Entity<T> | undefined>;
  list<T>(kind: EntityKind, options?: ListOptions): Promise<EntityPage<T>>;
  /**
   * The users (kind `user`) whose document's `username` equals `username` case-insensitively, in insertion
   * order (as {@link EntityStore.list}); usually none or one. Auth0 treats usernames case-insensitively and
   * allows ASCII letters without accents, digits and a few symbols in them ("Adding Username for Database
   * Connections" in Auth0's docs), so backends fold the ASCII letters A–Z only (SQL `lower`; on Postgres under
   * the "C" collation), the same on every backend whatever the database's locale.
   * Backends answer from an index on the lower-cased username, never by reading every user: each username
   * login (or guess) costs an index lookup, not a read of the whole user table.
   */
  findUsersByUsername<T>(username: string): Promise<Entity<T>[]>;
  /**
   * The users (kind `user`) whose document's `email` equals `email` exactly (callers lower-case it first, as for
   * {@link EntityStore.getByKey}), in insertion order (as {@link EntityStore.list}). Database users are keyed by
   * their lower-cased e-mail, but social and enterprise users by their user_id, so several users may share an
   * address. Backends answer from an index on the e-mail, never by reading every user: the Management API's
   * `GET /api/v2/users?q=email:"…"` costs an index lookup.
   */
  findUsersByEmail<T>(email: string): Promise<Entity<T>[]>;
  /**
   * Applies every op or none. A `put` whose key belongs to another id of the same kind fails the whole
   * batch with `AuthmeshError` code `ERR_STORAGE_CONFLICT`.
   */
  apply(ops: readonly EntityOp[]): Promise<void>;
}

/** Called when another process sharing the storage changed the tenant's configuration (or may have). */
export type ChangeListener = () => void;

export interface Storage {
  /** The store of one oidc-provider model; the same object for the same name. */
  model(name: string): ModelStore;
  /** Deletes every model record (any model) that belongs to this grant: a whole token family. */
  revokeGrant(grantId: string): Promise<void>;
  /**
   * Deletes every model record of an account: those whose payload's `accountId` is `accountId` (sessions,
   * grants, codes, tokens) and every record of those grants. What a password change or a block must end.
   * Returns how many records were deleted.
   */
  revokeAccount(accountId: string): Promise<number>;
  readonly entities: EntityStore;
  /** Brute-force and rate-limit counters, shared by every process that can open this storage. */
  readonly counters: CounterStore;
  getState<T>(key: string): Promise<T | undefined>;
  /** Stores `value` unless the key exists; returns what is stored afterwards (create-once, race-free). */
  setStateIfAbsent<T>(key: string, value: T): Promise<T>;
  setState(key: string, value: unknown): Promise<void>;
  /**
   * Runs `fn` holding the lock named `name`: no other `exclusive` call with that name, in this process or in
   * another sharing the storage, runs at the same time. For short critical sections (one refresh-token
   * rotation); `fn`'s own storage calls are not part of a transaction.
   */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Tells the other processes sharing this storage that the tenant's configuration (entities or state that
   * processes cache) changed, so that they reload it. Called after the change is stored. A backend only one
   * process can open (SQLite, by its lock) has no one to tell.
   */
  announceChange(): Promise<void>;
  /**
   * Calls `listener` when another process announced a change, and whenever announcements may have been
   * missed (a lost connection to the database is back). Never for this storage's own announcements. Returns
   * the unsubscribe.
   */
  onChange(listener: ChangeListener): () => void;
  /** Deletes expired model records; returns how many. Backends also run it periodically on their own. */
  sweepExpired(): Promise<number>;
  /** Releases the backend (stops the sweeper, closes the database). Idempotent. */
  close(): Promise<void>;
}

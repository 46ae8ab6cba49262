import type { DatabaseSync } from 'node:sqlite';
import { AuthmeshError } from '../errors.ts';

/**
 * Schema migrations, in order. Migration `i` takes the database from `user_version` i to i + 1.
 * Append new migrations; never edit a shipped one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE oidc_models (
    model       TEXT NOT NULL,
    id          TEXT NOT NULL,
    payload     TEXT NOT NULL,
    grant_id    TEXT,
    uid         TEXT,
    user_code   TEXT,
    expires_at  INTEGER,  -- epoch ms; NULL = never
    consumed_at INTEGER,  -- epoch ms; NULL = not consumed
    PRIMARY KEY (model, id)
  );
  -- Partial indexes: most rows have no uid / user code, and "col = ?" implies "col IS NOT NULL" for the planner.
  CREATE INDEX oidc_models_grant_id ON oidc_models (grant_id) WHERE grant_id IS NOT NULL;
  CREATE INDEX oidc_models_uid ON oidc_models (model, uid) WHERE uid IS NOT NULL;
  CREATE INDEX oidc_models_user_code ON oidc_models (model, user_code) WHERE user_code IS NOT NULL;
  CREATE INDEX oidc_models_expires_at ON oidc_models (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE entities (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    key  TEXT NOT NULL,
    doc  TEXT NOT NULL,
    seq  INTEGER NOT NULL,  -- insertion order within the kind; kept on update
    PRIMARY KEY (kind, id),
    UNIQUE (kind, key)
  );
  CREATE INDEX entities_order ON entities (kind, seq);

  CREATE TABLE state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  `
  -- The engine adapter now stores bearer values (codes, refresh tokens, session ids...) under a hash of their
  -- id. Records written before hold them in clear and would no longer be found: drop them (everyone signs in
  -- again; clients, users, keys and secrets are entities and state, and stay). secure_delete is on while
  -- migrating, so the freed pages are zeroed rather than left readable in the file.
  DELETE FROM oidc_models;
  ALTER TABLE oidc_models ADD COLUMN account_id TEXT;
  CREATE INDEX oidc_models_account_id ON oidc_models (account_id) WHERE account_id IS NOT NULL;
  `,
  `
  -- Users by lower-cased username (EntityStore.findUsersByUsername): a username login or a sign-up's
  -- "username taken" check reads one index entry instead of every user. Partial: only users have usernames,
  -- and the lookup's "kind = 'user'" selects it. The expression must stay the one in
  -- sqlite-entity-store.ts's FIND_USERS_BY_USERNAME_SQL, or the planner cannot use the index. With seq, the
  -- index also gives the lookup's order: without it the planner walks entities_order (every user) instead.
  CREATE INDEX entities_user_username ON entities (lower(json_extract(doc, '$.username')), seq) WHERE kind = 'user';
  `,
  `
  -- Users by e-mail (EntityStore.findUsersByEmail): the Management API's q=email:"…" reads the index entries of
  -- that address, not every user. Social and enterprise users are keyed by user_id, so the unique key cannot
  -- find them. The expression must stay the one in sqlite-entity-store.ts's FIND_USERS_BY_EMAIL_SQL; with seq,
  -- the index gives the lookup's order too.
  CREATE INDEX entities_user_email ON entities (json_extract(doc, '$.email'), seq) WHERE kind = 'user';
  `,
];

/** The schema version this code writes (`PRAGMA user_version`). */
const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Connection settings. WAL + synchronous=NORMAL: a commit appends to the WAL without fsync; the WAL is
 * fsynced at checkpoint. The database stays consistent after a process crash (kill -9) and every committed
 * transaction survives it, because the WAL is in the OS page cache. Only an OS crash or power loss can lose
 * the last committed transactions (never corrupt the file). That is the right trade for an identity tenant
 * on one machine: tokens and sessions are re-issuable, and it is much faster than synchronous=FULL.
 */
export function applyPragmas(db: DatabaseSync): void {
  // First, so that switching the journal mode waits for other connections instead of failing.
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
}

/** Brings the schema to {@link SCHEMA_VERSION}. Idempotent; safe when several processes open the same file. */
export function migrate(db: DatabaseSync): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  db.exec('PRAGMA secure_delete = ON');
  db.exec('BEGIN IMMEDIATE');
  try {
    // Read again under the write lock: another process may have migrated between the check and BEGIN.
    const current = userVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new AuthmeshError(
        'ERR_STORAGE',
        `storage schema version ${current} is newer than this authmesh supports (${SCHEMA_VERSION}); upgrade authmesh`,
      );
    }
    for (const sql of MIGRATIONS.slice(current)) db.exec(sql);
    // user_version lives in the file header and is written by this transaction: all or nothing.
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  } finally {
    db.exec('PRAGMA secure_delete = OFF');
  }
}

function userVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  return Number(row?.user_version ?? 0);
}

-- Schema 1 of the Postgres backend: the same three kinds of data as the SQLite backend.
-- Times are epoch milliseconds from the tenant's clock (bigint), so that every process compares expiry
-- the same way whatever the database server's clock says.

-- The engine's (oidc-provider's) records: sessions, codes, grants, tokens, interactions. Bearer values
-- (codes, refresh tokens, session ids) arrive already hashed by the engine adapter: `id` is never redeemable.
CREATE TABLE oidc_models (
  model       text   NOT NULL,
  id          text   NOT NULL,
  payload     json   NOT NULL,  -- json, not jsonb: stored as given (jsonb refuses some strings, e.g. \u0000)
  grant_id    text,
  uid         text,
  user_code   text,
  account_id  text,
  expires_at  bigint,  -- NULL = never
  consumed_at bigint,  -- NULL = not consumed; readers add it to the payload as `consumed` (epoch seconds)
  -- Insertion order: when two live records share a uid or user code, the newest wins (kept on update).
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (model, id)
);
-- One index per lookup the engine makes. Partial: most rows have no uid, user code or account.
CREATE INDEX oidc_models_grant_id ON oidc_models (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX oidc_models_uid ON oidc_models (model, uid) WHERE uid IS NOT NULL;
CREATE INDEX oidc_models_user_code ON oidc_models (model, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX oidc_models_account_id ON oidc_models (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX oidc_models_expires_at ON oidc_models (expires_at) WHERE expires_at IS NOT NULL;

-- Tenant entities (APIs, clients, client grants, roles, users, connections): a JSON document with a key
-- unique per kind (identifier, name, lower-cased email...).
CREATE TABLE entities (
  kind text   NOT NULL,
  id   text   NOT NULL,
  key  text   NOT NULL,
  doc  json   NOT NULL,  -- json, not jsonb: kept byte for byte, so key order survives (exports, /api/v2)
  seq  bigint GENERATED ALWAYS AS IDENTITY,  -- listing order; kept on update
  PRIMARY KEY (kind, id),
  UNIQUE (kind, key)
);
CREATE INDEX entities_order ON entities (kind, seq);

-- Tenant state: signing keys, cookie keys, generated client ids and secrets (create-once values).
CREATE TABLE state (
  key   text  PRIMARY KEY,
  value json NOT NULL
);

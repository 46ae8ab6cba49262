-- Schema 2: brute-force and rate-limit counters shared by every tenant process (storage/postgres-counters.ts).
-- One JSON value per key (a failure count, a token bucket), until `expires_at` (epoch ms, the tenant's clock);
-- the sweeper deletes expired rows.
CREATE TABLE counters (
  key        text   PRIMARY KEY,
  value      json   NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX counters_expires_at ON counters (expires_at);

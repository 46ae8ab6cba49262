-- Schema 4: users by e-mail (EntityStore.findUsersByEmail), so that the Management API's q=email:"…" reads the
-- index entries of one address instead of every user. Database users are keyed by their lower-cased e-mail, but
-- social and enterprise users by their user_id: the unique key cannot find them.
--
-- A column the store writes with every user (`doc.email`, NULL for other kinds), not an expression over `doc`,
-- for the reason 003_user_username_index.sql gives: Postgres JSON functions fail on documents holding \u0000.
ALTER TABLE entities ADD COLUMN email text;

-- The users stored before; those whose document holds a \u0000 escape get theirs at their next write.
UPDATE entities SET email = doc ->> 'email' WHERE kind = 'user' AND strpos(doc::text, E'\\u0000') = 0;

-- Partial: only users have e-mails here, and the lookup's "kind = 'user'" selects it. Exact comparison (callers
-- lower-case the address). With seq, the index also gives the lookup's order (insertion order, as listing).
-- Built in the migration's transaction (not CONCURRENTLY): writes to `entities` wait while it reads the users once.
CREATE INDEX entities_user_email ON entities (email, seq) WHERE kind = 'user';

-- Schema 3: users by lower-cased username (EntityStore.findUsersByUsername), so that a username login or a
-- sign-up's "username taken" check reads one index entry instead of every user.
--
-- A column the store writes with every user (`doc.username`, NULL for other kinds), not an expression over
-- `doc`: every JSON function of Postgres (->>, ->, json_extract_path) fails on a document holding a \u0000
-- escape anywhere, which `json` stores and users may have (a name, metadata), so an index over `doc` would
-- make such a user impossible to store.
ALTER TABLE entities ADD COLUMN username text;

-- The users stored before. A document with a \u0000 escape cannot be read by `->>`: such users stay without
-- one until their next write (a login records itself on the user); they still log in by e-mail meanwhile.
-- (No JSON function in the WHERE: SQL does not promise to test the strpos first.)
UPDATE entities SET username = doc ->> 'username' WHERE kind = 'user' AND strpos(doc::text, E'\\u0000') = 0;

-- Partial: only users have usernames, and the lookup's "kind = 'user'" selects it. The expression must stay the
-- one in postgres-entity-store.ts's FIND_USERS_BY_USERNAME_SQL, or the planner cannot use the index. COLLATE "C":
-- `lower` folds ASCII letters only, whatever the database's locale, as SQLite's `lower` does. With seq, the index
-- also gives the lookup's order (insertion order, as listing). Built in the migration's transaction (not
-- CONCURRENTLY): writes to `entities` wait while it reads the users once.
CREATE INDEX entities_user_username ON entities (lower(username COLLATE "C"), seq) WHERE kind = 'user';

-- A username is unique within its app, not across apps (a taken name must
-- not tell one app's users what another app holds). SQLite cannot drop a
-- column's UNIQUE constraint, so the table is rebuilt under the same name.
-- Foreign keys stay on: their check is deferred to the commit, by which
-- time every user row is back in a table named users.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE users_copy AS
    SELECT id, username, nickname, avatar, bot, token_hash, created_at, app_id FROM users;
DROP TABLE users;
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    username   TEXT    NOT NULL,
    nickname   TEXT    NOT NULL DEFAULT '',
    avatar     TEXT    NOT NULL DEFAULT '',
    bot        INTEGER NOT NULL DEFAULT 0,
    token_hash BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    app_id     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (app_id, username)
);
INSERT INTO users (id, username, nickname, avatar, bot, token_hash, created_at, app_id)
    SELECT id, username, nickname, avatar, bot, token_hash, created_at, app_id FROM users_copy;
DROP TABLE users_copy;

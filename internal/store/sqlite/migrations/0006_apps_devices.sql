-- Apps (tenants), passwords and login devices. Every user and chat belongs
-- to an app; rows older than apps belong to the default app, id 1.
CREATE TABLE apps (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    token_hash BLOB UNIQUE, -- the admin token; NULL for the default app
    created_at INTEGER NOT NULL
);
INSERT INTO apps (id, name, created_at) VALUES (1, 'default', 0);

ALTER TABLE users ADD COLUMN app_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE chats ADD COLUMN app_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX users_by_app_name ON users (app_id, username);

CREATE TABLE user_passwords (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    hash    BLOB    NOT NULL
);

-- sn numbers a user's devices from 1; sn 0 is a token bound to no device.
CREATE TABLE devices (
    user_id INTEGER NOT NULL REFERENCES users (id),
    sn      INTEGER NOT NULL,
    guid    TEXT    NOT NULL,
    PRIMARY KEY (user_id, sn),
    UNIQUE (user_id, guid)
) WITHOUT ROWID;

CREATE TABLE device_tokens (
    token_hash BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    sn         INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

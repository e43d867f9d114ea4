-- Apps (tenants), passwords and login devices, as in SQLite's 0006. Rows
-- older than apps belong to the default app, id 1.
CREATE TABLE apps (
    id         bigint PRIMARY KEY,
    name       text   NOT NULL,
    token_hash bytea  UNIQUE,
    created_at bigint NOT NULL
);
INSERT INTO apps (id, name, created_at) VALUES (1, 'default', 0);

ALTER TABLE users ADD COLUMN app_id bigint NOT NULL DEFAULT 1;
ALTER TABLE chats ADD COLUMN app_id bigint NOT NULL DEFAULT 1;
CREATE INDEX users_by_app_name ON users (app_id, username);

CREATE TABLE user_passwords (
    user_id bigint PRIMARY KEY REFERENCES users (id),
    hash    bytea  NOT NULL
);

CREATE TABLE devices (
    user_id bigint  NOT NULL REFERENCES users (id),
    sn      integer NOT NULL,
    guid    text    NOT NULL,
    PRIMARY KEY (user_id, sn),
    UNIQUE (user_id, guid)
);

CREATE TABLE device_tokens (
    token_hash bytea   PRIMARY KEY,
    user_id    bigint  NOT NULL REFERENCES users (id),
    sn         integer NOT NULL,
    created_at bigint  NOT NULL
);

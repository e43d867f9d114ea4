-- The first schema of chatd. Times are unix milliseconds (0 = never), UUIDs
-- 16-byte blobs, Mentions and role lists JSON text.

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    username   TEXT    NOT NULL UNIQUE,
    nickname   TEXT    NOT NULL DEFAULT '',
    avatar     TEXT    NOT NULL DEFAULT '',
    bot        INTEGER NOT NULL DEFAULT 0,
    token_hash BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE guilds (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL,
    topic              TEXT    NOT NULL DEFAULT '',
    icon               TEXT    NOT NULL DEFAULT '',
    owner_id           INTEGER NOT NULL REFERENCES users (id),
    default_channel_id INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
);

CREATE TABLE roles (
    guild_id    INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    color       INTEGER NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL DEFAULT 0,
    hoist       INTEGER NOT NULL DEFAULT 0,
    mentionable INTEGER NOT NULL DEFAULT 0,
    permissions INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, id)
) WITHOUT ROWID;

-- seq is insertion order: it breaks ties of joined_at, so "join order" is
-- total even when two members join in one millisecond.
CREATE TABLE members (
    seq       INTEGER PRIMARY KEY,
    guild_id  INTEGER NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id),
    nickname  TEXT    NOT NULL DEFAULT '',
    roles     TEXT    NOT NULL DEFAULT '[]',
    joined_at INTEGER NOT NULL,
    UNIQUE (guild_id, user_id)
);
CREATE INDEX members_join_order ON members (guild_id, joined_at);
CREATE INDEX members_by_user ON members (user_id);

-- Every conversation. guild_id is NULL outside guilds; code and the member
-- pair are NULL except for direct chats, so the UNIQUE indexes only bind
-- those (NULLs are distinct). last_seq is the seq of the newest message.
CREATE TABLE chats (
    id          INTEGER PRIMARY KEY,
    kind        INTEGER NOT NULL,
    guild_id    INTEGER REFERENCES guilds (id),
    name        TEXT    NOT NULL DEFAULT '',
    topic       TEXT    NOT NULL DEFAULT '',
    type        INTEGER NOT NULL DEFAULT 0,
    parent_id   INTEGER NOT NULL DEFAULT 0,
    level       INTEGER NOT NULL DEFAULT 0,
    slow_mode   INTEGER NOT NULL DEFAULT 0,
    creator_id  INTEGER NOT NULL DEFAULT 0,
    code        TEXT UNIQUE,
    member_lo   INTEGER,
    member_hi   INTEGER,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    last_msg_at INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX chats_by_guild ON chats (guild_id, level);
CREATE UNIQUE INDEX chats_direct_pair ON chats (member_lo, member_hi);
CREATE INDEX chats_direct_hi ON chats (member_hi);

-- Messages have no foreign key to chats: deleting a chat leaves them
-- unreachable instead of stalling the writer on a mass delete.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    uuid        BLOB    NOT NULL UNIQUE,
    chat_id     INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    author_id   INTEGER NOT NULL,
    type        INTEGER NOT NULL,
    content     TEXT    NOT NULL,
    mentions    TEXT    NOT NULL DEFAULT '{}',
    quote_id    INTEGER NOT NULL DEFAULT 0,
    nonce       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    edited_at   INTEGER NOT NULL DEFAULT 0,
    recalled_at INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX messages_chat_seq ON messages (chat_id, seq);

CREATE TABLE revisions (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    rev        INTEGER NOT NULL,
    content    TEXT    NOT NULL,
    mentions   TEXT    NOT NULL DEFAULT '{}',
    quote_id   INTEGER NOT NULL DEFAULT 0,
    editor_id  INTEGER NOT NULL,
    edited_at  INTEGER NOT NULL,
    PRIMARY KEY (message_id, rev)
) WITHOUT ROWID;

-- Send idempotency keys. expires_at only drives the purge; whether a key is
-- live is decided against the lifetime the sender asks for.
CREATE TABLE send_keys (
    chat_id    INTEGER NOT NULL,
    author_id  INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    message_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, author_id, key)
) WITHOUT ROWID;
CREATE INDEX send_keys_expiry ON send_keys (expires_at);

-- id is insertion order: it breaks ties of created_at.
CREATE TABLE reactions (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    emoji      TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (message_id, emoji, user_id)
);

CREATE TABLE pins (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    pinned_by  INTEGER NOT NULL,
    pinned_at  INTEGER NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX pins_by_time ON pins (chat_id, pinned_at);

CREATE TABLE read_states (
    chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    device  TEXT    NOT NULL,
    seq     INTEGER NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id, device)
) WITHOUT ROWID;

-- A hidden direct chat stays hidden while chats.last_seq <= hidden_seq.
CREATE TABLE direct_hidden (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    hidden_seq INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

-- The first PostgreSQL schema of chatd: the same tables as SQLite's, in
-- PostgreSQL's types. Times are unix milliseconds (0 = never), as in SQLite,
-- so both backends measure key lifetimes with the same arithmetic; UUIDs are
-- uuid, Mentions jsonb, role lists integer[].

CREATE TABLE users (
    id         bigint  PRIMARY KEY,
    username   text    NOT NULL UNIQUE,
    nickname   text    NOT NULL DEFAULT '',
    avatar     text    NOT NULL DEFAULT '',
    bot        boolean NOT NULL DEFAULT false,
    token_hash bytea   NOT NULL UNIQUE,
    created_at bigint  NOT NULL
);

CREATE TABLE guilds (
    id                 bigint PRIMARY KEY,
    name               text   NOT NULL,
    topic              text   NOT NULL DEFAULT '',
    icon               text   NOT NULL DEFAULT '',
    owner_id           bigint NOT NULL REFERENCES users (id),
    default_channel_id bigint NOT NULL,
    created_at         bigint NOT NULL
);

-- Role ids are per guild: CreateRole takes the next one under a lock of the
-- guild's row, so two nodes never hand out the same id.
CREATE TABLE roles (
    guild_id    bigint  NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    id          integer NOT NULL,
    name        text    NOT NULL,
    color       integer NOT NULL DEFAULT 0,
    position    integer NOT NULL DEFAULT 0,
    hoist       boolean NOT NULL DEFAULT false,
    mentionable boolean NOT NULL DEFAULT false,
    permissions bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, id)
);

-- seq is insertion order: it breaks ties of joined_at, so "join order" is
-- total even when two members join in one millisecond.
CREATE TABLE members (
    seq       bigint    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id  bigint    NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id   bigint    NOT NULL REFERENCES users (id),
    nickname  text      NOT NULL DEFAULT '',
    roles     integer[] NOT NULL DEFAULT '{}',
    joined_at bigint    NOT NULL,
    UNIQUE (guild_id, user_id)
);
CREATE INDEX members_join_order ON members (guild_id, joined_at, seq);
CREATE INDEX members_by_user ON members (user_id);

-- Every conversation. guild_id is NULL outside guilds; code and the member
-- pair are NULL except for direct chats, so the UNIQUE constraints only bind
-- those (NULLs are distinct). last_seq is the seq of the newest message; an
-- append locks this row, which orders the writers of one chat across nodes.
CREATE TABLE chats (
    id          bigint  PRIMARY KEY,
    kind        integer NOT NULL,
    guild_id    bigint  REFERENCES guilds (id),
    name        text    NOT NULL DEFAULT '',
    topic       text    NOT NULL DEFAULT '',
    type        integer NOT NULL DEFAULT 0,
    parent_id   bigint  NOT NULL DEFAULT 0,
    level       integer NOT NULL DEFAULT 0,
    slow_mode   integer NOT NULL DEFAULT 0,
    creator_id  bigint  NOT NULL DEFAULT 0,
    code        text    UNIQUE,
    member_lo   bigint,
    member_hi   bigint,
    last_seq    bigint  NOT NULL DEFAULT 0,
    last_msg_at bigint  NOT NULL DEFAULT 0,
    created_at  bigint  NOT NULL,
    CONSTRAINT chats_direct_pair UNIQUE (member_lo, member_hi)
);
CREATE INDEX chats_by_guild ON chats (guild_id, level, id);
CREATE INDEX chats_direct_hi ON chats (member_hi);

-- Messages have no foreign key to chats: deleting a chat leaves them
-- unreachable instead of holding its writers on a mass delete.
CREATE TABLE messages (
    id          bigint  PRIMARY KEY,
    uuid        uuid    NOT NULL UNIQUE,
    chat_id     bigint  NOT NULL,
    seq         bigint  NOT NULL,
    author_id   bigint  NOT NULL,
    type        integer NOT NULL,
    content     text    NOT NULL,
    mentions    jsonb   NOT NULL DEFAULT '{}',
    quote_id    bigint  NOT NULL DEFAULT 0,
    nonce       text    NOT NULL DEFAULT '',
    created_at  bigint  NOT NULL,
    edited_at   bigint  NOT NULL DEFAULT 0,
    recalled_at bigint  NOT NULL DEFAULT 0,
    CONSTRAINT messages_chat_seq UNIQUE (chat_id, seq)
);

CREATE TABLE revisions (
    message_id bigint  NOT NULL REFERENCES messages (id),
    rev        integer NOT NULL,
    content    text    NOT NULL,
    mentions   jsonb   NOT NULL DEFAULT '{}',
    quote_id   bigint  NOT NULL DEFAULT 0,
    editor_id  bigint  NOT NULL,
    edited_at  bigint  NOT NULL,
    PRIMARY KEY (message_id, rev)
);

-- Send idempotency keys. expires_at only drives the purge; whether a key is
-- live is decided against the lifetime the sender asks for.
CREATE TABLE send_keys (
    chat_id    bigint NOT NULL,
    author_id  bigint NOT NULL,
    key        text   NOT NULL,
    message_id bigint NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (chat_id, author_id, key)
);
CREATE INDEX send_keys_expiry ON send_keys (expires_at);

-- id is insertion order: it breaks ties of created_at.
CREATE TABLE reactions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES messages (id),
    emoji      text   NOT NULL,
    user_id    bigint NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (message_id, emoji, user_id)
);

CREATE TABLE pins (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id    bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    message_id bigint NOT NULL REFERENCES messages (id),
    pinned_by  bigint NOT NULL,
    pinned_at  bigint NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX pins_by_time ON pins (chat_id, pinned_at, id);

CREATE TABLE read_states (
    chat_id bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id bigint NOT NULL,
    device  text   NOT NULL,
    seq     bigint NOT NULL,
    read_at bigint NOT NULL,
    PRIMARY KEY (chat_id, user_id, device)
);

-- A hidden direct chat stays hidden while chats.last_seq <= hidden_seq.
CREATE TABLE direct_hidden (
    chat_id    bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL,
    hidden_seq bigint NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

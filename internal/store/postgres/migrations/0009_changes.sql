-- The change log (chat.Change): every event other than a message's creation,
-- written in the transaction of the change it records. stream is a chat's
-- id, or -guild id for a guild's memberships; seq numbers a stream 1, 2, ...
-- without gaps, taken under the lock of the stream's chats or guilds row.
-- No foreign keys: a deleted chat's changes (its deletion among them) must
-- stay readable until pruned.
CREATE TABLE changes (
    stream     bigint  NOT NULL,
    seq        bigint  NOT NULL,
    after_seq  bigint  NOT NULL DEFAULT 0,
    kind       integer NOT NULL,
    chat_id    bigint  NOT NULL DEFAULT 0,
    guild_id   bigint  NOT NULL DEFAULT 0,
    message_id bigint  NOT NULL DEFAULT 0,
    user_id    bigint  NOT NULL DEFAULT 0,
    actor_id   bigint  NOT NULL DEFAULT 0,
    emoji      text    NOT NULL DEFAULT '',
    at         bigint  NOT NULL,
    PRIMARY KEY (stream, seq)
);
-- PruneChanges finds old changes by time.
CREATE INDEX changes_by_at ON changes (at);

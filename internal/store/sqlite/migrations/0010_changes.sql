-- The change log (chat.ChangeStore): every event but a message's creation,
-- numbered per stream (a chat's id, or a guild's as -id) without gaps. No
-- foreign keys: a chat's deletion is itself a change of its stream and
-- must outlive the chat. WITHOUT ROWID: a stream's changes sit together in
-- seq order, so reading after a seq is one range of the primary key.
CREATE TABLE changes (
    stream     INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    after_seq  INTEGER NOT NULL DEFAULT 0, -- the chat's last message seq then
    kind       INTEGER NOT NULL,
    chat_id    INTEGER NOT NULL DEFAULT 0,
    guild_id   INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER NOT NULL DEFAULT 0,
    user_id    INTEGER NOT NULL DEFAULT 0,
    actor_id   INTEGER NOT NULL DEFAULT 0,
    emoji      TEXT    NOT NULL DEFAULT '',
    at         INTEGER NOT NULL,
    PRIMARY KEY (stream, seq)
) WITHOUT ROWID;
-- Pruning walks the old changes by time.
CREATE INDEX changes_by_at ON changes (at);

-- Guild-less groups with their members, what a message carries beside its
-- content (chat.Extra as JSON, '' when empty), delete-for-me, and file
-- download records.
ALTER TABLE messages ADD COLUMN extra TEXT NOT NULL DEFAULT '';
ALTER TABLE revisions ADD COLUMN extra TEXT NOT NULL DEFAULT '';

-- role: 0 member, 1 admin, 2 owner (chat.GroupRole).
CREATE TABLE group_members (
    chat_id   INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id),
    role      INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_members_by_user ON group_members (user_id);

-- A message one user deleted for itself. History queries probe it by
-- (user_id, message_id) as they walk a chat's seqs.
CREATE TABLE hidden_messages (
    user_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    chat_id    INTEGER NOT NULL,
    hidden_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;

CREATE TABLE file_downloads (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    path       TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX file_downloads_by_message ON file_downloads (message_id, id);

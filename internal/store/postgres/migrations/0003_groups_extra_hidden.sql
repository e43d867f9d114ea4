-- Guild-less groups with their members, what a message carries beside its
-- content (chat.Extra as JSON text, '' when empty), delete-for-me, and file
-- download records: the same tables as SQLite's 0004.
ALTER TABLE messages ADD COLUMN extra text NOT NULL DEFAULT '';
ALTER TABLE revisions ADD COLUMN extra text NOT NULL DEFAULT '';

-- role: 0 member, 1 admin, 2 owner (chat.GroupRole).
CREATE TABLE group_members (
    chat_id   bigint  NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id   bigint  NOT NULL REFERENCES users (id),
    role      integer NOT NULL DEFAULT 0,
    joined_at bigint  NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

-- A message one user deleted for itself; history queries probe it by
-- (user_id, message_id).
CREATE TABLE hidden_messages (
    user_id    bigint NOT NULL,
    message_id bigint NOT NULL,
    chat_id    bigint NOT NULL,
    hidden_at  bigint NOT NULL,
    PRIMARY KEY (user_id, message_id)
);

CREATE TABLE file_downloads (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id bigint NOT NULL,
    user_id    bigint NOT NULL,
    path       text   NOT NULL,
    at         bigint NOT NULL
);
CREATE INDEX file_downloads_by_message ON file_downloads (message_id, id);

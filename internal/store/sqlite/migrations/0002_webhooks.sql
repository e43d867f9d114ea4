-- Bots' callback configurations and the webhook outbox. A row of webhooks
-- exists while a user has any setting; url '' means websocket mode (the
-- verify token still goes into its gateway events). last_sn is the newest
-- webhook sn assigned, so sns continue across restarts.
CREATE TABLE webhooks (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id),
    url          TEXT    NOT NULL DEFAULT '',
    verify_token TEXT    NOT NULL DEFAULT '',
    encrypt_key  TEXT    NOT NULL DEFAULT '',
    last_sn      INTEGER NOT NULL DEFAULT 0
);

-- Events rendered for a webhook bot and not yet delivered (or given up on).
-- AUTOINCREMENT: an id is never reused, so a sender's "after id" cursor
-- never skips a row added after the table emptied.
CREATE TABLE webhook_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL,
    sn         INTEGER NOT NULL,
    payload    BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_by_user ON webhook_outbox (user_id, id);

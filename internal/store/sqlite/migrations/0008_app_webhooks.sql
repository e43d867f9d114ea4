-- Apps' message webhooks (Lanying's message subscription) and their outbox.
CREATE TABLE app_webhooks (
    app_id INTEGER PRIMARY KEY REFERENCES apps (id),
    url    TEXT    NOT NULL DEFAULT '',
    secret TEXT    NOT NULL DEFAULT ''
);

-- Messages rendered for an app's webhook and not yet delivered (or given
-- up on). AUTOINCREMENT: an id is never reused, so a sender's "after id"
-- cursor never skips a row added after the table emptied.
CREATE TABLE app_webhook_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id     INTEGER NOT NULL,
    payload    BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX app_webhook_outbox_by_app ON app_webhook_outbox (app_id, id);

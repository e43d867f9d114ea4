-- Apps' message webhooks (Lanying's message subscription) and their outbox.
CREATE TABLE app_webhooks (
    app_id bigint PRIMARY KEY REFERENCES apps (id),
    url    text   NOT NULL DEFAULT '',
    secret text   NOT NULL DEFAULT ''
);

-- Messages rendered for an app's webhook and not yet delivered (or given
-- up on). Appends for one app hold its app_webhooks row, so its ids ascend
-- in commit order and a sender's "after id" cursor never skips a row.
CREATE TABLE app_webhook_outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id     bigint NOT NULL,
    payload    bytea  NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX app_webhook_outbox_by_app ON app_webhook_outbox (app_id, id);

-- Bots' callback configurations and the webhook outbox. A row of webhooks
-- exists while a user has any setting; url '' means websocket mode (the
-- verify token still goes into its gateway events). last_sn is the newest
-- webhook sn assigned, so sns continue across restarts and nodes.
CREATE TABLE webhooks (
    user_id      bigint PRIMARY KEY REFERENCES users (id),
    url          text   NOT NULL DEFAULT '',
    verify_token text   NOT NULL DEFAULT '',
    encrypt_key  text   NOT NULL DEFAULT '',
    last_sn      bigint NOT NULL DEFAULT 0
);

-- Events rendered for a webhook bot and not yet delivered (or given up on).
-- A sequence never hands out an id twice, so a sender's "after id" cursor
-- never skips a row added after the table emptied; appends for one user
-- hold its webhooks row, so its ids ascend in commit order.
CREATE TABLE webhook_outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL,
    sn         bigint NOT NULL,
    payload    bytea  NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX webhook_outbox_by_user ON webhook_outbox (user_id, id);

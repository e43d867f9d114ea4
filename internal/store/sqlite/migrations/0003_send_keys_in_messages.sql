-- Send idempotency keys move into the message they stored: a send is then
-- one INSERT whose partial UNIQUE index catches a retry, instead of a
-- lookup, an INSERT and an upsert into send_keys (with its expiry index).
-- A key's lifetime is still decided against the sender's Expires, measured
-- from the message's created_at; a send after expiry takes the key over
-- from the old message. Keys are no longer purged: one index entry per
-- keyed message, like the other indexes of messages.
ALTER TABLE messages ADD COLUMN send_key TEXT;

UPDATE messages SET send_key = k.key FROM send_keys AS k WHERE k.message_id = messages.id;

CREATE UNIQUE INDEX messages_send_key ON messages (chat_id, author_id, send_key) WHERE send_key IS NOT NULL;

DROP TABLE send_keys;

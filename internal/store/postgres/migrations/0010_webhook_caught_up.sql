-- The delivering node's mark of how far a webhook bot's outbox is complete
-- (unix ms): a node taking over delivery replays what came after it.
ALTER TABLE webhooks ADD COLUMN caught_up_at bigint NOT NULL DEFAULT 0;

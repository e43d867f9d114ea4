-- The face whose event format a bot's webhook receives: '' (KOOK, the
-- default) or 'yunhu'. The core validates it; the store keeps it as given.
ALTER TABLE webhooks ADD COLUMN face TEXT NOT NULL DEFAULT '';

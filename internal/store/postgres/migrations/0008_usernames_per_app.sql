-- A username is unique within its app, not across apps (a taken name must
-- not tell one app's users what another app holds).
ALTER TABLE users DROP CONSTRAINT users_username_key;
ALTER TABLE users ADD CONSTRAINT users_app_username_key UNIQUE (app_id, username);
DROP INDEX IF EXISTS users_by_app_name;

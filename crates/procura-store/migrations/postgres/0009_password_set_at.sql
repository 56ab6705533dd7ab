-- When the current password was set, so that a one-time password (a new account's, or after a
-- reset) can expire. Existing accounts count from their last update.
ALTER TABLE app_user ADD COLUMN password_set_at TEXT;
UPDATE app_user SET password_set_at = updated_at;

-- How the login that started a refresh-token family authenticated (RFC 8176 "amr" values,
-- space-separated: "pwd", "pwd otp", "hwk user"), copied to every successor, so that a refreshed
-- access token says what the login proved. NULL: a row from before this column, whose login can
-- only have been a password ("pwd"). IF NOT EXISTS lets a migration that died half-way run again.
ALTER TABLE refresh_tokens ADD COLUMN IF NOT EXISTS amr VARCHAR(64) CHARACTER SET ascii
  COLLATE ascii_bin NULL DEFAULT NULL AFTER family_started_at;

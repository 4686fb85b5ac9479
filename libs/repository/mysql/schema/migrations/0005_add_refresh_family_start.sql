-- Refresh-token families end: --refresh_family_lifetime counts from the login that started a
-- family, so every row carries that login's time (a successor copies its predecessor's).
-- Existing rows get the earliest created_at of their family, which is that login's token (no
-- refresh token has ever been deleted before this migration: nothing called DeleteExpired).
-- The column stays NULLable: a row written during a rolling upgrade by a binary that predates
-- it has NULL, which the repository reads as the row's own created_at (such a family lives at
-- most one rotation longer). IF NOT EXISTS and the IS NULL filter let a migration that died
-- half-way run again.
ALTER TABLE refresh_tokens ADD COLUMN IF NOT EXISTS family_started_at DATETIME(6) NULL DEFAULT NULL
  AFTER family_id;
UPDATE refresh_tokens r
  JOIN (SELECT family_id, MIN(created_at) AS started FROM refresh_tokens GROUP BY family_id) f
    ON f.family_id = r.family_id
  SET r.family_started_at = f.started
  WHERE r.family_started_at IS NULL;

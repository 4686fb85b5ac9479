-- Logout of every session of a user ("UPDATE sessions ... WHERE user_id IN (...) AND revoked_at
-- IS NULL AND expires_at > ?") must not walk the user's expired sessions: until the sweeper
-- deletes them (--sweep_period) a user may have many, and over (user_id, revoked_at) the UPDATE
-- read and locked every one of them (100,000 expired sessions: see RELIABILITY.md). With
-- expires_at in the index it reads only the live ones. The new index also serves the foreign
-- key, so the old one goes. IF [NOT] EXISTS lets a migration that died half-way run again.
ALTER TABLE sessions
  ADD INDEX IF NOT EXISTS idx_sessions_user_active (user_id, revoked_at, expires_at),
  DROP INDEX IF EXISTS idx_sessions_user_revoked;

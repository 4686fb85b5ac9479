-- Refresh tokens: opaque, long-lived, one per session, stored only as a SHA-256 digest.
-- A family is the chain of sessions that one login started: the login's refresh token and every
-- token that rotation derived from it share family_id (the first session's jti). Each session
-- opened by login or refresh has exactly one row here (session_jti), which is how a session
-- carries its family; the sessions table is left as it is.
-- No foreign key to sessions: a refresh token outlives its access token's session row, which
-- DeleteExpired may remove long before the refresh token expires.
-- Times are DATETIMEs written in UTC by the application, whose clock also decides expiry and
-- the reuse grace period.
-- Indexes: the primary key serves Rotate(token_hash); family_id serves family revocation;
-- session_jti serves revocation by session (Logout of one session); (user_id, revoked_at)
-- serves Logout of every session and the foreign key; expires_at serves DeleteExpired.
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  family_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  session_jti VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  rotated_at DATETIME(6) NULL DEFAULT NULL,
  replaced_by CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL DEFAULT NULL,
  revoked_at DATETIME(6) NULL DEFAULT NULL,
  PRIMARY KEY (token_hash),
  UNIQUE KEY uq_refresh_tokens_session (session_jti),
  KEY idx_refresh_tokens_family (family_id),
  KEY idx_refresh_tokens_user_revoked (user_id, revoked_at),
  KEY idx_refresh_tokens_expires_at (expires_at),
  CONSTRAINT fk_refresh_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

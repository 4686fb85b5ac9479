-- Server-side sessions, one per issued access token, keyed by the token's jti.
-- expires_at is a DATETIME written in UTC by the application (no 2038 limit); created_at and
-- revoked_at are TIMESTAMPs, converted through the connection's UTC time zone.
-- Indexes: the primary key serves FindActive(jti); (user_id, revoked_at) serves
-- RevokeAllForUser and the foreign key; expires_at serves DeleteExpired.
CREATE TABLE IF NOT EXISTS sessions (
  jti VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  client_address VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  revoked_at TIMESTAMP(6) NULL DEFAULT NULL,
  PRIMARY KEY (jti),
  KEY idx_sessions_user_revoked (user_id, revoked_at),
  KEY idx_sessions_expires_at (expires_at),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

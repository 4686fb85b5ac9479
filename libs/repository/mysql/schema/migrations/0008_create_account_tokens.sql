-- Account tokens: the single-use secrets of mailed links (password reset; email verification
-- later), stored only as a SHA-256 digest of the 32 random bytes the link carries, so a read of
-- the table gives no working link.
-- purpose: 1 password reset, 2 email verification. A token is spent by one conditional UPDATE
-- (used_at IS NULL AND voided_at IS NULL AND expires_at > now AND purpose = ?): of two requests
-- with one token exactly one changes the row. A new reset request voids the user's older
-- unspent reset tokens (voided_at), so only the newest link works.
-- email: the address the link was sent to (verification binds to it; a reset records it).
-- Times are DATETIME in UTC from the application, whose clock also decides expiry.
-- Indexes: the primary key serves the spend; (user_id, purpose) serves the voiding and the
-- foreign key; expires_at serves the sweep of old tokens.
CREATE TABLE IF NOT EXISTS account_tokens (
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  purpose TINYINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL DEFAULT NULL,
  voided_at DATETIME(6) NULL DEFAULT NULL,
  PRIMARY KEY (token_hash),
  KEY idx_account_tokens_user_purpose (user_id, purpose),
  KEY idx_account_tokens_expires_at (expires_at),
  CONSTRAINT fk_account_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- TOTP second factors (RFC 6238), their recovery codes, and the tickets between a Login's right
-- password and its CompleteLogin.
--
-- user_totp: one row per account that began an enrolment. sealed_secret is the 160-bit secret
-- sealed with AES-256-GCM under --totp_secret_key_file, the user id as associated data
-- (libs/otp/secret_sealer: "v1:" + base64url), so a read of the table gives no working secret
-- and a row copied to another user does not open. confirmed_at NULL: pending (it signs nobody in
-- and ends at pending_expires_at); set: the account asks for a second factor. last_used_step is
-- the highest 30-second step accepted, the confirmation's included: a code is accepted only by
-- `UPDATE ... SET last_used_step = ? WHERE user_id = ? AND last_used_step < ?` in the transaction
-- that opens the session, so a code works once, even on two replicas at the same moment.
CREATE TABLE IF NOT EXISTS user_totp (
  user_id BIGINT UNSIGNED NOT NULL,
  sealed_secret VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(6) NOT NULL,
  pending_expires_at DATETIME(6) NULL DEFAULT NULL,
  confirmed_at DATETIME(6) NULL DEFAULT NULL,
  last_used_step BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id),
  CONSTRAINT fk_user_totp_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Recovery codes: only a SHA-256 digest of each (salted with the user id, libs/otp/
-- recovery_codes), ten per set; regenerating deletes the old set. A code is spent by one
-- conditional UPDATE (used_at IS NULL) in the session's transaction.
CREATE TABLE IF NOT EXISTS recovery_codes (
  user_id BIGINT UNSIGNED NOT NULL,
  code_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(6) NOT NULL,
  used_at DATETIME(6) NULL DEFAULT NULL,
  PRIMARY KEY (user_id, code_hash),
  CONSTRAINT fk_recovery_codes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- MFA tickets: what Login hands out after the right password of an account with a second
-- factor; stored only as the SHA-256 digest of 32 random bytes. Single use (spent_at, set in the
-- session's transaction by a conditional UPDATE), short-lived (expires_at), and burnt
-- (spent_at) by its fifth wrong code (failures). Indexes: the primary key serves every use;
-- expires_at serves the sweep; user_id the foreign key.
CREATE TABLE IF NOT EXISTS mfa_tickets (
  ticket_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  failures TINYINT UNSIGNED NOT NULL DEFAULT 0,
  spent_at DATETIME(6) NULL DEFAULT NULL,
  PRIMARY KEY (ticket_hash),
  KEY idx_mfa_tickets_user (user_id),
  KEY idx_mfa_tickets_expires_at (expires_at),
  CONSTRAINT fk_mfa_tickets_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

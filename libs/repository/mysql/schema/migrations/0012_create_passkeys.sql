-- Passkeys (WebAuthn public-key credentials) and the ceremonies that register and use them.
--
-- webauthn_user_handles: each account's WebAuthn user handle, 32 random bytes made at its first
-- passkey registration: never the email, username or numeric id, which an authenticator would
-- otherwise carry around.
CREATE TABLE IF NOT EXISTS webauthn_user_handles (
  user_id BIGINT UNSIGNED NOT NULL,
  user_handle VARBINARY(64) NOT NULL,
  PRIMARY KEY (user_id),
  UNIQUE KEY uq_webauthn_user_handles_handle (user_handle),
  CONSTRAINT fk_webauthn_user_handles_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- passkeys: passkey_id is the public name of a row (16 random bytes, base64url), used by
-- ListPasskeys and DeletePasskey. credential_id is the authenticator's (at most 1023 bytes),
-- unique across accounts. public_key is the COSE key as SubjectPublicKeyInfo DER
-- (libs/webauthn/cose_key), algorithm its COSE number (-7 ES256, -8 EdDSA). sign_count is
-- updated by compare-and-swap (`WHERE sign_count = <the count read>`) in the transaction that
-- opens the session. backup_eligible / backed_up are the BE and BS flags.
CREATE TABLE IF NOT EXISTS passkeys (
  passkey_id CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  credential_id VARBINARY(1023) NOT NULL,
  public_key VARBINARY(1024) NOT NULL,
  algorithm INT NOT NULL,
  sign_count INT UNSIGNED NOT NULL DEFAULT 0,
  backup_eligible BOOLEAN NOT NULL DEFAULT FALSE,
  backed_up BOOLEAN NOT NULL DEFAULT FALSE,
  transports VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_at DATETIME(6) NOT NULL,
  last_used_at DATETIME(6) NULL DEFAULT NULL,
  PRIMARY KEY (passkey_id),
  UNIQUE KEY uq_passkeys_credential (credential_id),
  KEY idx_passkeys_user (user_id),
  CONSTRAINT fk_passkeys_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- webauthn_ceremonies: a registration (kind 1, user_id set) or a sign-in (kind 2, user_id set
-- when the caller named an account, else NULL) under way. challenge is the 32 random bytes the
-- browser signs over; the ceremony is spent (spent_at) by a conditional UPDATE when it is
-- finished, whatever the outcome, and ends at expires_at. Indexes: the primary key serves the
-- spend; expires_at the sweep.
CREATE TABLE IF NOT EXISTS webauthn_ceremonies (
  ceremony_id CHAR(43) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  kind TINYINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NULL DEFAULT NULL,
  challenge VARBINARY(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  spent_at DATETIME(6) NULL DEFAULT NULL,
  PRIMARY KEY (ceremony_id),
  KEY idx_webauthn_ceremonies_expires_at (expires_at),
  CONSTRAINT fk_webauthn_ceremonies_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

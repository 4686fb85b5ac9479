-- Attempt counters behind the abuse limits (failed logins per account and per client address,
-- registrations per client address). One row per limited key: how many attempts it made in
-- its current window and when that window ends. Every replica reads and writes the same rows,
-- so the limits hold for the service as a whole, not per process.
-- counter_key is "<kind>:<value>", e.g. "login-account:42" or "login-address:203.0.113.7";
-- values are user ids and normalised addresses, never passwords or emails.
-- expires_at is a DATETIME written in UTC by the application, whose clock decides the windows.
-- Indexes: the primary key serves every lookup and upsert; expires_at serves DeleteExpired.
CREATE TABLE IF NOT EXISTS attempt_counters (
  counter_key VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  attempts INT UNSIGNED NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  PRIMARY KEY (counter_key),
  KEY idx_attempt_counters_expires_at (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = ascii COLLATE = ascii_bin;

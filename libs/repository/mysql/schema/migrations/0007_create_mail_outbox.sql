-- The mail outbox: every mail the service sends, stored before it is sent (in the transaction
-- that stores what the mail is about, e.g. a reset token), so that a request never waits for
-- the mail server, an outage or a restart loses nothing, and every replica's dispatcher shares
-- the one queue (libs/repository/mail_outbox.h).
-- state: 0 pending (due at next_attempt_at), 1 sent, 2 failed (given up; kept for inspection).
-- A claim leases a pending row: claim_id is the dispatcher's random lease id and
-- next_attempt_at the lease's end, so the row is not due again while the lease lasts.
-- body holds secret links: nothing may log it. Times are DATETIME in UTC from the application.
-- Indexes: (state, next_attempt_at) serves the claim's "pending and due, oldest first".
CREATE TABLE IF NOT EXISTS mail_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  recipient VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  subject VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  body MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  state TINYINT UNSIGNED NOT NULL DEFAULT 0,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6) NOT NULL,
  claim_id CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  created_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  PRIMARY KEY (id),
  KEY idx_mail_outbox_due (state, next_attempt_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

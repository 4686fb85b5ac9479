-- When the account's email address was proven through a mailed verification link
-- (AccountService.VerifyEmail); NULL: not verified. A DATETIME in UTC from the application's
-- clock, as the other tables' times. Nothing reads it by range, so no index.
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_verified_at DATETIME(6) NULL DEFAULT NULL;

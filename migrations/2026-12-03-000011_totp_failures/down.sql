ALTER TABLE login_failure DROP COLUMN totp_failures, DROP COLUMN totp_window_start;

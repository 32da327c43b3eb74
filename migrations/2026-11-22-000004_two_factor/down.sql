DROP TABLE recovery_code;
ALTER TABLE app_user DROP COLUMN totp_last_step;

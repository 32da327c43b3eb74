-- Wrong second-factor codes are counted apart from wrong passwords, in a window
-- of their own (TOTP_FAILURE_LIMIT within TOTP_FAILURE_MINUTES locks the account).
ALTER TABLE login_failure
    ADD COLUMN totp_failures integer NOT NULL DEFAULT 0 CHECK (totp_failures >= 0),
    ADD COLUMN totp_window_start timestamptz;

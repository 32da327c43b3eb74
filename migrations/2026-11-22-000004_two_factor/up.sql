-- TOTP: the last accepted time step (each code is accepted once) and recovery codes.
ALTER TABLE app_user ADD COLUMN totp_last_step BIGINT;

CREATE TABLE recovery_code (
    user_id    BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

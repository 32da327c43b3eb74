-- Users, sessions, refresh tokens, login failures, audit log.
CREATE TABLE app_user (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL CHECK (username ~ '^[a-z0-9._-]{3,50}$'),
    email         TEXT CHECK (length(email) <= 254),
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'biller', 'dispatcher')),
    dispatch_area TEXT REFERENCES dispatch_area (code),
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    totp_secret   TEXT,
    totp_enabled  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at TIMESTAMPTZ,
    deleted_at    TIMESTAMPTZ
);
-- Usernames are unique among users that exist; a deleted user's name may be reused.
CREATE UNIQUE INDEX app_user_username_key ON app_user (username) WHERE deleted_at IS NULL;
CREATE INDEX app_user_role_idx ON app_user (role, id) WHERE deleted_at IS NULL;

-- Failures are counted per username whether or not the user exists (no enumeration).
CREATE TABLE login_failure (
    username     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE user_session (
    id             UUID PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT,
    ip             TEXT,
    user_agent     TEXT
);
CREATE INDEX user_session_user_idx ON user_session (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens are stored hashed; a used one stays so that its reuse is detected.
CREATE TABLE refresh_token (
    token_hash TEXT PRIMARY KEY,
    session_id UUID NOT NULL REFERENCES user_session (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    used_at    TIMESTAMPTZ
);
CREATE INDEX refresh_token_session_idx ON refresh_token (session_id);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id    BIGINT REFERENCES app_user (id) ON DELETE SET NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT,
    before      JSONB,
    after       JSONB,
    ip          TEXT,
    request_id  TEXT
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at);

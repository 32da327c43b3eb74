-- Service accounts and their API keys (docs/integrations.md). A service account is
-- an app_user of kind 'service': no password, no sign-in, never an admin; its keys
-- act with its role and area, narrowed by each key's scopes.
ALTER TABLE app_user
    ADD COLUMN kind        TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'service')),
    ADD COLUMN description TEXT CHECK (length(description) <= 500),
    ADD CONSTRAINT app_user_service_not_admin CHECK (kind = 'person' OR role <> 'admin');

CREATE TABLE api_key (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES app_user (id),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- The first 8 characters after `ttk_`, for people to tell keys apart.
    prefix       TEXT NOT NULL,
    -- SHA-256 of the whole key (a fast hash suits 178-bit random keys).
    key_hash     BYTEA NOT NULL UNIQUE,
    scopes       TEXT[] NOT NULL,
    expires_at   TIMESTAMPTZ,
    created_by   BIGINT REFERENCES app_user (id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    last_used_ip TEXT,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_key_account_idx ON api_key (account_id, id);

-- Writes made with a key name it.
ALTER TABLE audit_log ADD COLUMN api_key_id BIGINT REFERENCES api_key (id);

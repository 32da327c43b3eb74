-- Outgoing webhooks (docs/integrations.md, Standard Webhooks 1.0). The transaction
-- that makes a change writes one webhook_message row; a delivery worker on any
-- instance fans it out to the matching endpoints and sends each delivery, claimed
-- with FOR UPDATE SKIP LOCKED, with no transaction open while it waits on the network.
CREATE TABLE webhook_endpoint (
    id                    BIGSERIAL PRIMARY KEY,
    url                   TEXT NOT NULL CHECK (length(url) <= 2000),
    description           TEXT CHECK (length(description) <= 500),
    -- Empty: every type.
    event_types           TEXT[] NOT NULL DEFAULT '{}',
    dispatch_area         TEXT REFERENCES dispatch_area (code),
    enabled               BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason       TEXT,
    -- The `whsec_` secret, encrypted (AES-256-GCM, nonce first, base64).
    secret                TEXT NOT NULL,
    -- After a rotation the old secret signs too, until previous_secret_until.
    previous_secret       TEXT,
    previous_secret_until TIMESTAMPTZ,
    -- Start of the current run of failed attempts (NULL after a success).
    failing_since         TIMESTAMPTZ,
    created_by            BIGINT REFERENCES app_user (id),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhook_message (
    id          BIGSERIAL PRIMARY KEY,
    -- `msg_` + ULID: the webhook-id of every attempt.
    msg_id      TEXT NOT NULL UNIQUE,
    event_type  TEXT NOT NULL,
    -- When the change happened (the message's `timestamp`).
    occurred_at TIMESTAMPTZ NOT NULL,
    data        JSONB NOT NULL,
    -- For endpoints that follow one dispatch area.
    dispatch_area TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    fanned_out  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX webhook_message_waiting_idx ON webhook_message (id) WHERE NOT fanned_out;
CREATE INDEX webhook_message_time_idx ON webhook_message (created_at);

CREATE TABLE webhook_delivery (
    id              BIGSERIAL PRIMARY KEY,
    message_id      BIGINT NOT NULL REFERENCES webhook_message (id) ON DELETE CASCADE,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    -- pending: will be tried (again); succeeded; failed: given up (dead, or the endpoint was disabled).
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_until   TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    response_status INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at    TIMESTAMPTZ
);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_delivery_endpoint_idx ON webhook_delivery (endpoint_id, id);
CREATE INDEX webhook_delivery_message_idx ON webhook_delivery (message_id);

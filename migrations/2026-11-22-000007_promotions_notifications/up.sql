-- Promotion requests (docs/domain.md §5) and per-user notifications (§8).
CREATE TABLE promotion_request (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    from_role      TEXT NOT NULL CHECK (from_role IN ('biller', 'dispatcher')),
    requested_role TEXT NOT NULL CHECK (requested_role IN ('admin', 'biller')),
    reason         TEXT NOT NULL CHECK (char_length(reason) BETWEEN 10 AND 500),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by     BIGINT REFERENCES app_user (id),
    decision_note  TEXT CHECK (char_length(decision_note) <= 500),
    decided_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One pending request per user, also under concurrent filing.
CREATE UNIQUE INDEX promotion_request_one_pending ON promotion_request (user_id) WHERE status = 'pending';
CREATE INDEX promotion_request_status_idx ON promotion_request (status, id);
CREATE INDEX promotion_request_user_idx ON promotion_request (user_id, id);

CREATE TABLE notification (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    level      TEXT NOT NULL CHECK (level IN ('info', 'success', 'warning', 'error')),
    title      TEXT NOT NULL CHECK (char_length(title) <= 200),
    message    TEXT NOT NULL CHECK (char_length(message) <= 2000),
    link       TEXT CHECK (char_length(link) <= 500),
    read_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notification_user_idx ON notification (user_id, id);
CREATE INDEX notification_unread_idx ON notification (user_id) WHERE read_at IS NULL;

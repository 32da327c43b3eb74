-- Bags, links, bills, scan events, idempotency keys and the dashboard counters.

-- qr_id is stored normalised (upper case), so plain uniqueness is case-insensitive;
-- COLLATE "C" lets one index serve uniqueness, prefix search and ordered listing.
-- Soft-deleted bags keep their id (reusable only through an admin restore).
CREATE TABLE bag (
    id             BIGSERIAL PRIMARY KEY,
    qr_id          TEXT COLLATE "C" NOT NULL UNIQUE CHECK (length(qr_id) BETWEEN 4 AND 100),
    role           TEXT NOT NULL CHECK (role IN ('parent', 'child')),
    format_code    TEXT NOT NULL REFERENCES bag_format (code),
    status         TEXT NOT NULL,
    child_count    INTEGER NOT NULL DEFAULT 0 CHECK (child_count >= 0),
    capacity       INTEGER CHECK (capacity > 0),
    child_weight_g INTEGER CHECK (child_weight_g > 0),
    dispatch_area  TEXT REFERENCES dispatch_area (code),
    sealed_reason  TEXT,
    sealed_at      TIMESTAMPTZ,
    created_by     BIGINT REFERENCES app_user (id) ON DELETE SET NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at     TIMESTAMPTZ,
    CHECK (
        (role = 'parent' AND status IN ('open', 'filled', 'sealed', 'billed')
            AND capacity IS NOT NULL AND child_weight_g IS NOT NULL AND child_count <= capacity)
        OR (role = 'child' AND status IN ('linked', 'unlinked') AND child_count = 0)
    )
);
CREATE INDEX bag_live_idx ON bag (id) WHERE deleted_at IS NULL;
CREATE INDEX bag_role_idx ON bag (role, id) WHERE deleted_at IS NULL;
CREATE INDEX bag_status_idx ON bag (status, id) WHERE deleted_at IS NULL;
CREATE INDEX bag_area_idx ON bag (dispatch_area, id) WHERE deleted_at IS NULL;
CREATE INDEX bag_creator_idx ON bag (created_by, id);

-- A child belongs to at most one parent: child_id is the primary key.
CREATE TABLE bag_link (
    child_id  BIGINT PRIMARY KEY REFERENCES bag (id),
    parent_id BIGINT NOT NULL REFERENCES bag (id),
    linked_by BIGINT REFERENCES app_user (id) ON DELETE SET NULL,
    linked_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (child_id <> parent_id)
);
CREATE INDEX bag_link_parent_idx ON bag_link (parent_id, linked_at);
CREATE INDEX bag_link_user_idx ON bag_link (linked_by, linked_at);

CREATE TABLE bill (
    id                 BIGSERIAL PRIMARY KEY,
    bill_number        TEXT NOT NULL CHECK (length(bill_number) BETWEEN 1 AND 50),
    description        TEXT,
    destination        TEXT,
    vehicle_number     TEXT,
    capacity           INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    status             TEXT NOT NULL CHECK (status IN ('new', 'processing', 'completed')),
    parent_count       INTEGER NOT NULL DEFAULT 0 CHECK (parent_count >= 0),
    child_count        INTEGER NOT NULL DEFAULT 0 CHECK (child_count >= 0),
    actual_weight_g    BIGINT NOT NULL DEFAULT 0 CHECK (actual_weight_g >= 0),
    expected_weight_g  BIGINT NOT NULL DEFAULT 0 CHECK (expected_weight_g >= 0),
    measured_weight_kg DOUBLE PRECISION CHECK (measured_weight_kg >= 0),
    created_by         BIGINT REFERENCES app_user (id) ON DELETE SET NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at       TIMESTAMPTZ,
    CHECK (parent_count <= capacity),
    CHECK ((status = 'new') = (parent_count = 0) OR status = 'completed')
);
CREATE UNIQUE INDEX bill_number_key ON bill (lower(bill_number));
CREATE INDEX bill_number_prefix_idx ON bill (lower(bill_number) text_pattern_ops);
CREATE INDEX bill_status_idx ON bill (status, id);
CREATE INDEX bill_creator_idx ON bill (created_by, id);

-- A parent is on at most one bill: bag_id is the primary key.
CREATE TABLE bill_item (
    bag_id   BIGINT PRIMARY KEY REFERENCES bag (id),
    bill_id  BIGINT NOT NULL REFERENCES bill (id) ON DELETE CASCADE,
    added_by BIGINT REFERENCES app_user (id) ON DELETE SET NULL,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX bill_item_bill_idx ON bill_item (bill_id, added_at);

-- Append-only log of every scan attempt that reached the server.
CREATE TABLE scan_event (
    id              BIGSERIAL PRIMARY KEY,
    occurred_at     TIMESTAMPTZ,
    recorded_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_id         BIGINT REFERENCES app_user (id) ON DELETE SET NULL,
    station_id      TEXT,
    kind            TEXT NOT NULL CHECK (kind IN ('parent', 'child', 'unlink', 'undo', 'seal', 'unseal', 'bill_add', 'bill_remove')),
    qr_id           TEXT COLLATE "C",
    parent_qr_id    TEXT COLLATE "C",
    bill_id         BIGINT,
    outcome         TEXT NOT NULL,
    idempotency_key TEXT,
    dispatch_area   TEXT
);
CREATE INDEX scan_event_qr_idx ON scan_event (qr_id, id);
CREATE INDEX scan_event_parent_idx ON scan_event (parent_qr_id, id);
CREATE INDEX scan_event_user_idx ON scan_event (user_id, id);
CREATE INDEX scan_event_kind_idx ON scan_event (kind, id);
CREATE INDEX scan_event_time_idx ON scan_event (recorded_at);

-- First answers of writes sent with Idempotency-Key, replayed for repeats.
CREATE TABLE idempotency_record (
    user_id     BIGINT NOT NULL,
    key         TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint TEXT NOT NULL,
    status_code INTEGER,
    body        JSONB,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_record_age_idx ON idempotency_record (created_at);

-- Dashboard counters without a hot row: every write appends a delta row
-- (inserts never contend); a background job folds deltas into the one total row.
CREATE TABLE stat_total (
    id       BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    parents  BIGINT NOT NULL,
    children BIGINT NOT NULL,
    links    BIGINT NOT NULL
);
INSERT INTO stat_total (parents, children, links) VALUES (0, 0, 0);

CREATE TABLE stat_delta (
    id       BIGSERIAL PRIMARY KEY,
    parents  INTEGER NOT NULL DEFAULT 0,
    children INTEGER NOT NULL DEFAULT 0,
    links    INTEGER NOT NULL DEFAULT 0
);

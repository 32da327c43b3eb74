-- Reference data: dispatch areas, bag formats, settings.
CREATE TABLE dispatch_area (
    code       TEXT PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]{2,40}$'),
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO dispatch_area (code, name) VALUES
    ('lucknow', 'Lucknow'), ('indore', 'Indore'), ('jaipur', 'Jaipur'), ('hisar', 'Hisar'),
    ('sri_ganganagar', 'Sri Ganganagar'), ('sangaria', 'Sangaria'), ('bathinda', 'Bathinda'),
    ('raipur', 'Raipur'), ('ranchi', 'Ranchi'), ('akola', 'Akola');

CREATE TABLE bag_format (
    code           TEXT PRIMARY KEY CHECK (code ~ '^[A-Z0-9_-]{2,20}$'),
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role           TEXT NOT NULL CHECK (role IN ('parent', 'child')),
    pattern        TEXT NOT NULL CHECK (length(pattern) BETWEEN 1 AND 200),
    capacity       INTEGER CHECK (capacity BETWEEN 1 AND 10000),
    child_weight_g INTEGER CHECK (child_weight_g > 0),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order     INTEGER NOT NULL DEFAULT 100,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((role = 'parent') = (capacity IS NOT NULL AND child_weight_g IS NOT NULL))
);

INSERT INTO bag_format (code, name, role, pattern, capacity, child_weight_g, sort_order) VALUES
    ('SB', 'Mustard (SB)', 'parent', '^SB\d{5}$', 30, 1000, 10),
    ('M444', 'Moong (M444)', 'parent', '^M444-\d{5}$', 15, 1000, 20),
    ('CHILD', 'Child bag', 'child', '^[A-Z0-9]{4,20}$', NULL, NULL, 30);

-- Key/value settings, e.g. the development JWT signing key shared by all instances.
CREATE TABLE app_setting (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

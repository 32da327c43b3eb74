-- Import jobs (docs/domain.md §9): one row per uploaded file, its progress, and the
-- rows it could not apply.
CREATE TABLE import_job (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('bags', 'bills', 'batch_sheet')),
    mode           TEXT NOT NULL CHECK (mode IN ('all_or_nothing', 'best_effort')),
    filename       TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    total_rows     INTEGER NOT NULL DEFAULT 0,
    processed_rows INTEGER NOT NULL DEFAULT 0,
    applied_rows   INTEGER NOT NULL DEFAULT 0,
    error_rows     INTEGER NOT NULL DEFAULT 0,
    message        TEXT,
    created_by     BIGINT REFERENCES app_user (id) ON DELETE SET NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at    TIMESTAMPTZ,
    CHECK (processed_rows <= total_rows AND applied_rows + error_rows <= processed_rows)
);
CREATE INDEX import_job_unfinished_idx ON import_job (updated_at) WHERE finished_at IS NULL;

-- The first errors of each import (the count of all is import_job.error_rows).
CREATE TABLE import_error (
    import_id  BIGINT NOT NULL REFERENCES import_job (id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    code       TEXT NOT NULL,
    message    TEXT NOT NULL,
    PRIMARY KEY (import_id, row_number)
);

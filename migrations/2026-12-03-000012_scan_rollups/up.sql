-- Dashboard counters that cost the same to read at any size of the scan log.
--
-- Every scan event and every bill status change appends a narrow tally row in its
-- own transaction (triggers, so no writer can forget and no extra round trip is
-- made); the upkeep job folds the tallies into per-minute rollups and the bill
-- totals, deleting what it folded in the same statement. A reader adds the
-- rollups and the few tallies not folded yet: exact, whatever commits when.

-- One row per scan event not folded yet.
CREATE TABLE scan_tally (
    id            BIGSERIAL PRIMARY KEY,
    minute        TIMESTAMPTZ NOT NULL,
    dispatch_area TEXT,
    user_id       BIGINT
);

-- Scan events per minute and area (NULL: bags of no area or unknown ones).
CREATE TABLE scan_minute (
    id            BIGSERIAL PRIMARY KEY,
    minute        TIMESTAMPTZ NOT NULL,
    dispatch_area TEXT,
    scans         BIGINT NOT NULL,
    CONSTRAINT scan_minute_key UNIQUE NULLS NOT DISTINCT (minute, dispatch_area)
);

-- Who scanned in which minute, in which area: the active users.
CREATE TABLE scan_user_minute (
    id            BIGSERIAL PRIMARY KEY,
    minute        TIMESTAMPTZ NOT NULL,
    user_id       BIGINT NOT NULL,
    dispatch_area TEXT,
    CONSTRAINT scan_user_minute_key UNIQUE NULLS NOT DISTINCT (minute, user_id, dispatch_area)
);

CREATE FUNCTION scan_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scan_tally (minute, dispatch_area, user_id)
    VALUES (date_trunc('minute', NEW.recorded_at), NEW.dispatch_area, NEW.user_id);
    RETURN NULL;
END $$;
CREATE TRIGGER scan_event_tally AFTER INSERT ON scan_event
    FOR EACH ROW EXECUTE FUNCTION scan_tally_add();

-- Bills per status, as deltas folded into stat_total.
ALTER TABLE stat_delta
    ADD COLUMN bills_new        INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN bills_processing INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN bills_completed  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stat_total
    ADD COLUMN bills_new        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN bills_processing BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN bills_completed  BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bill_status_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n INTEGER; p INTEGER; c INTEGER;
BEGIN
    n := 0; p := 0; c := 0;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        CASE OLD.status WHEN 'new' THEN n := n - 1; WHEN 'processing' THEN p := p - 1; ELSE c := c - 1; END CASE;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        CASE NEW.status WHEN 'new' THEN n := n + 1; WHEN 'processing' THEN p := p + 1; ELSE c := c + 1; END CASE;
    END IF;
    IF n <> 0 OR p <> 0 OR c <> 0 THEN
        INSERT INTO stat_delta (bills_new, bills_processing, bills_completed) VALUES (n, p, c);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bill_status_tally AFTER INSERT OR DELETE OR UPDATE OF status ON bill
    FOR EACH ROW EXECUTE FUNCTION bill_status_tally();

-- What exists already.
INSERT INTO scan_minute (minute, dispatch_area, scans)
SELECT date_trunc('minute', recorded_at), dispatch_area, count(*) FROM scan_event GROUP BY 1, 2;
INSERT INTO scan_user_minute (minute, user_id, dispatch_area)
SELECT DISTINCT date_trunc('minute', recorded_at), user_id, dispatch_area FROM scan_event WHERE user_id IS NOT NULL;
UPDATE stat_total SET
    bills_new = (SELECT count(*) FROM bill WHERE status = 'new'),
    bills_processing = (SELECT count(*) FROM bill WHERE status = 'processing'),
    bills_completed = (SELECT count(*) FROM bill WHERE status = 'completed');

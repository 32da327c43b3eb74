-- Writes of children and scan events cost less (docs/benchmarks.md).
--
-- Children are ~97 % of bags, yet the lists people filter by status, area or creator
-- are about parents: those indexes become partial, so a child insert maintains the
-- primary key and the id index only. Listing children walks the primary key (most
-- rows match); the loose children (the exception queue) keep an index of their own.
DROP INDEX bag_live_idx, bag_role_idx, bag_status_idx, bag_area_idx, bag_creator_idx;
CREATE INDEX bag_parent_idx ON bag (id) WHERE role = 'parent' AND deleted_at IS NULL;
CREATE INDEX bag_parent_status_idx ON bag (status, id) WHERE role = 'parent' AND deleted_at IS NULL;
CREATE INDEX bag_parent_area_idx ON bag (dispatch_area, id) WHERE role = 'parent' AND deleted_at IS NULL;
CREATE INDEX bag_parent_creator_idx ON bag (created_by, id) WHERE role = 'parent';
CREATE INDEX bag_unlinked_idx ON bag (id) WHERE status = 'unlinked' AND deleted_at IS NULL;

-- One tally insert per statement instead of one trigger call per event row: the
-- same rows, without a PL/pgSQL call per event (a bulk COPY of events is one call).
DROP TRIGGER scan_event_tally ON scan_event;
DROP FUNCTION scan_tally_add();
CREATE FUNCTION scan_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scan_tally (minute, dispatch_area, user_id)
    SELECT date_trunc('minute', recorded_at), dispatch_area, user_id FROM added;
    RETURN NULL;
END $$;
CREATE TRIGGER scan_event_tally AFTER INSERT ON scan_event
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION scan_tally_add();

DROP TRIGGER scan_event_tally ON scan_event;
DROP FUNCTION scan_tally_add();
CREATE FUNCTION scan_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scan_tally (minute, dispatch_area, user_id)
    VALUES (date_trunc('minute', NEW.recorded_at), NEW.dispatch_area, NEW.user_id);
    RETURN NULL;
END $$;
CREATE TRIGGER scan_event_tally AFTER INSERT ON scan_event
    FOR EACH ROW EXECUTE FUNCTION scan_tally_add();

DROP INDEX bag_parent_idx, bag_parent_status_idx, bag_parent_area_idx, bag_parent_creator_idx, bag_unlinked_idx;
CREATE INDEX bag_live_idx ON bag (id) WHERE deleted_at IS NULL;
CREATE INDEX bag_role_idx ON bag (role, id) WHERE deleted_at IS NULL;
CREATE INDEX bag_status_idx ON bag (status, id) WHERE deleted_at IS NULL;
CREATE INDEX bag_area_idx ON bag (dispatch_area, id) WHERE deleted_at IS NULL;
CREATE INDEX bag_creator_idx ON bag (created_by, id);

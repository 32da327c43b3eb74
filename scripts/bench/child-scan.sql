-- The essential transaction of a child scan, for pgbench (scripts/bench.sh): lock the
-- station's parent, insert the child already linked, link it, count it on the parent,
-- log the event. Each pgbench client packs its own parent PGB<client> (capacity 10^6),
-- as each station packs its own.
\set n random(1, 9000000000000)
BEGIN;
SELECT id AS pid FROM bag WHERE qr_id = 'PGB' || :client_id FOR UPDATE \gset
INSERT INTO bag (qr_id, role, format_code, status) VALUES ('G' || :client_id || 'X' || :n, 'child', 'CHILD', 'linked') RETURNING id AS cid \gset
INSERT INTO bag_link (child_id, parent_id) VALUES (:cid, :pid);
UPDATE bag SET child_count = child_count + 1, status = 'open', updated_at = now() WHERE id = :pid;
INSERT INTO scan_event (station_id, kind, qr_id, parent_qr_id, outcome) VALUES ('pgbench', 'child', 'G' || :client_id || 'X' || :n, 'PGB' || :client_id, 'linked');
COMMIT;

ALTER TABLE scan_event DROP COLUMN refused;

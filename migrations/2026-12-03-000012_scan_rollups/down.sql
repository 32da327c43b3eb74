DROP TRIGGER bill_status_tally ON bill;
DROP FUNCTION bill_status_tally();
ALTER TABLE stat_total DROP COLUMN bills_new, DROP COLUMN bills_processing, DROP COLUMN bills_completed;
ALTER TABLE stat_delta DROP COLUMN bills_new, DROP COLUMN bills_processing, DROP COLUMN bills_completed;
DROP TRIGGER scan_event_tally ON scan_event;
DROP FUNCTION scan_tally_add();
DROP TABLE scan_user_minute;
DROP TABLE scan_minute;
DROP TABLE scan_tally;

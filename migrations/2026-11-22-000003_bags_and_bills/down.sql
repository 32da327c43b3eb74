DROP TABLE stat_delta;
DROP TABLE stat_total;
DROP TABLE idempotency_record;
DROP TABLE scan_event;
DROP TABLE bill_item;
DROP TABLE bill;
DROP TABLE bag_link;
DROP TABLE bag;

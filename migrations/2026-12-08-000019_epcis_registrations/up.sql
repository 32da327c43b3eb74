-- The EPCIS export also pages parents registered without a scan (POST /bags: their
-- audit rows are the commissioning events); their own index, built without blocking.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_bag_create_idx
    ON audit_log (occurred_at, id) WHERE action = 'bag.create';

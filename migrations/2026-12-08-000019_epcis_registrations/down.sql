DROP INDEX CONCURRENTLY IF EXISTS audit_log_bag_create_idx;

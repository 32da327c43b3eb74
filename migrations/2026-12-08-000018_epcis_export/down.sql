DROP INDEX CONCURRENTLY IF EXISTS audit_log_bill_complete_idx;

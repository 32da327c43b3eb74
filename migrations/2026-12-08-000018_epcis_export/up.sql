-- The EPCIS export pages bill completions (audit rows) by time: without this index
-- each page would read and sort every completion. Built without blocking writes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_bill_complete_idx
    ON audit_log (occurred_at, id) WHERE action = 'bill.complete';

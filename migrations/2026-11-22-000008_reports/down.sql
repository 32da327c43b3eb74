DROP INDEX bill_created_idx;

DROP INDEX outbox_mail_unsent_idx;
ALTER TABLE outbox_mail DROP COLUMN last_error, DROP COLUMN attempts, DROP COLUMN sent_at;

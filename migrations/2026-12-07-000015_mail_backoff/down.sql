ALTER TABLE outbox_mail DROP COLUMN next_attempt_at, DROP COLUMN claimed_until;

-- Mail delivery through SMTP: every mail is written to the outbox in the
-- transaction that causes it; a job sends what is unsent and records the result.
ALTER TABLE outbox_mail
    ADD COLUMN sent_at    TIMESTAMPTZ,
    ADD COLUMN attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN last_error TEXT;
CREATE INDEX outbox_mail_unsent_idx ON outbox_mail (id) WHERE sent_at IS NULL;

-- Mail delivery without a database connection held while the relay is asked: a
-- round claims due mails for a while (claimed_until) in one short statement, sends
-- them with no connection held, and records each result; a refused mail waits
-- longer after each attempt (next_attempt_at).
ALTER TABLE outbox_mail
    ADD COLUMN next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN claimed_until   TIMESTAMPTZ;

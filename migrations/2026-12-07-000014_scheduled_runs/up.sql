-- Jobs the server runs itself at a time of day (EOD_SEND_AT): one row per job and
-- local day, inserted in the transaction that does the work, so however many
-- instances try, and whenever they restart, each day's run happens once.
CREATE TABLE scheduled_run (
    job      TEXT NOT NULL,
    run_date DATE NOT NULL,
    ran_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (job, run_date)
);

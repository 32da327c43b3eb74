-- The end-of-day report reads a day's bills by creation time.
CREATE INDEX bill_created_idx ON bill (created_at);

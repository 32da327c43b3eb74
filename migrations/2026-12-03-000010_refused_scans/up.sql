-- A refused scan (the answer was a 4xx problem) is marked, so one whose dispatch
-- area is unknown is shown to admins, billers and the person who made it only.
-- A constant default: PostgreSQL adds the column without rewriting the table.
ALTER TABLE scan_event ADD COLUMN refused boolean NOT NULL DEFAULT false;

-- Existing refused scans are the ones whose outcome is a problem code
-- ('already_on_bill' is also the outcome of adding a parent to its own bill: kept visible).
UPDATE scan_event SET refused = true
WHERE outcome NOT IN ('created', 'existing', 'linked', 'already_linked', 'unlinked', 'sealed',
                      'unsealed', 'unchanged', 'added', 'already_on_bill', 'removed');

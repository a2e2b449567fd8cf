-- Counters of quotas and budgets (catalog.CounterStore): value until
-- expires_at (Unix nanoseconds); expired rows count as absent and are
-- deleted on write.
CREATE TABLE counters (
    key        TEXT PRIMARY KEY,
    value      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX counters_by_expiry ON counters (expires_at);

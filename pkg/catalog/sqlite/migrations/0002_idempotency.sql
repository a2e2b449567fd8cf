-- Outcomes of requests made with an Idempotency-Key (catalog.IdempotencyStore),
-- kept until expires_at (Unix nanoseconds); expired rows are deleted on write.
CREATE TABLE idempotency (
    key        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);

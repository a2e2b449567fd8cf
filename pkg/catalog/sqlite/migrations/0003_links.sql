-- Sellers' plain links (catalog.LinkStore), listed by seller in order.
CREATE TABLE links (
    id         TEXT PRIMARY KEY,
    seller     TEXT NOT NULL,
    position   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX links_by_seller ON links (seller, position, created_at, id);

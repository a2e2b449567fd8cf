-- Each table keeps the full record as JSON in doc, plus the columns that
-- lookups, filters and ordering need. Times are Unix nanoseconds (UTC).
CREATE TABLE sellers (
    handle TEXT PRIMARY KEY,
    sub    TEXT NOT NULL UNIQUE,
    doc    TEXT NOT NULL
) STRICT;

CREATE TABLE videos (
    id         TEXT PRIMARY KEY,
    seller     TEXT NOT NULL,
    status     TEXT NOT NULL,
    posted_at  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    doc        TEXT NOT NULL
) STRICT;
CREATE INDEX videos_by_seller ON videos (seller, posted_at DESC, id DESC);
CREATE INDEX videos_by_status ON videos (status, updated_at);

CREATE TABLE products (
    id              TEXT PRIMARY KEY,
    seller          TEXT NOT NULL,
    status          TEXT NOT NULL,
    pinned          INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    video_posted_at INTEGER NOT NULL,
    price_minor     INTEGER,
    category        TEXT NOT NULL,
    title_lc        TEXT NOT NULL,
    doc             TEXT NOT NULL
) STRICT;
CREATE INDEX products_by_seller ON products (seller, pinned DESC, position, video_posted_at DESC, id);

CREATE TABLE product_videos (
    video_id   TEXT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    PRIMARY KEY (video_id, product_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX product_videos_by_product ON product_videos (product_id);

CREATE TABLE product_tags (
    tag        TEXT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, product_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX product_tags_by_product ON product_tags (product_id);

CREATE TABLE clicks (
    product_id    TEXT NOT NULL,
    seller        TEXT NOT NULL,
    at            INTEGER NOT NULL,
    referrer_host TEXT NOT NULL
) STRICT;
CREATE INDEX clicks_by_seller ON clicks (seller, at);

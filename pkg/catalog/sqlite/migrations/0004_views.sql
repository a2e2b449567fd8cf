-- Page views of shop and "shop this video" pages (page = video id, or '' for the shop).
CREATE TABLE views (
    seller TEXT NOT NULL,
    page   TEXT NOT NULL,
    at     INTEGER NOT NULL
) STRICT;
CREATE INDEX views_by_seller ON views (seller, at);

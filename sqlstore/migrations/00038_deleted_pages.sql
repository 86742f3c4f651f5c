-- Where a live page was deleted, and when (issue 28 item 8): a visitor
-- asking for it within the configured time is answered 410 Gone instead of
-- 404, so search engines drop it at once. A page made again at the path wins.
CREATE TABLE deleted_pages (
    site_id BIGINT NOT NULL REFERENCES sites (id),
    url_path TEXT NOT NULL,
    deleted_at {{ts}} NOT NULL,
    PRIMARY KEY (site_id, url_path)
);

-- Redirects: per site, from a normalised old path to a page of the same site
-- (deleted with it) or to a link.
CREATE TABLE redirects (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    old_path TEXT NOT NULL,
    redirect_page_id BIGINT REFERENCES pages (id) ON DELETE CASCADE,
    redirect_link TEXT NOT NULL DEFAULT '',
    is_permanent BOOLEAN NOT NULL DEFAULT TRUE,
    created_at {{ts}} NOT NULL,
    CHECK ((redirect_page_id IS NULL) <> (redirect_link = ''))
);
CREATE UNIQUE INDEX redirects_site_path ON redirects (site_id, old_path);

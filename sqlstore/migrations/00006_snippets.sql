-- Snippets: site-scoped content of declared types. unique_key holds the
-- lower-cased value of the type's unique field, so uniqueness is per site and
-- type; search_text holds the lower-cased searchable fields.
CREATE TABLE snippets (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    snippet_type TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '{}',
    unique_key TEXT,
    search_text TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX snippets_site_unique ON snippets (site_id, snippet_type, unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX snippets_site_type_title ON snippets (site_id, snippet_type, title);

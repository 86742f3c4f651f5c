-- The reference index (decision 0025): which page, snippet or settings group
-- of a site refers to which image, document, snippet or page, through which
-- field. Pages count with their live content and their latest draft. Written
-- in the transaction of the change, like the search index.
CREATE TABLE object_refs (
    site_id BIGINT NOT NULL REFERENCES sites (id),
    source_kind TEXT NOT NULL,
    source_name TEXT NOT NULL DEFAULT '',
    source_id BIGINT NOT NULL,
    field TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    PRIMARY KEY (site_id, target_kind, target_id, source_kind, source_name, source_id, field)
);
CREATE INDEX object_refs_source ON object_refs (site_id, source_kind, source_name, source_id);
-- Work the application does once after an upgrade (here: fill object_refs
-- from the content that exists), deleted when done.
CREATE TABLE pending_jobs (name TEXT PRIMARY KEY);
INSERT INTO pending_jobs (name) SELECT 'references' WHERE EXISTS (SELECT 1 FROM pages WHERE depth > 1);
-- An image's alt text (the default the editor may override where it is used).
ALTER TABLE images ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';

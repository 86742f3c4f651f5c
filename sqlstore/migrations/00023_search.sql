-- Per-site full-text search (issue 14, decision 0019). One row per indexed
-- object and state: a page has a live document (what visitors may find) and
-- a latest one (its newest draft, for the admin), one row when they are the
-- same; images, documents and snippets have one. site_id 0 is the shared
-- media library. title and body are the plain text the result snippets are
-- cut from. The engine's index is keyed by site through its terms: every
-- word indexed for site 7 is written s7x<word>, so a search on one site reads
-- that site's postings only, however large the installation.
CREATE TABLE search_documents (
    id {{id}},
    site_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    live BOOLEAN NOT NULL,
    latest BOOLEAN NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL{{search_vector}}
);
CREATE INDEX search_documents_object ON search_documents (site_id, kind, object_id);
-- SQLite: an FTS5 table without content of its own (rowid = the document's
-- id; columns a–d are the weight classes, title first). PostgreSQL: a GIN
-- index on the document's tsvector.
{{search_index}};
-- The site's language chooses PostgreSQL's text search configuration.
ALTER TABLE sites ADD COLUMN language TEXT NOT NULL DEFAULT 'en';

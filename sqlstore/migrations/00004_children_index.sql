-- The last child of a page (where a new child goes) must be one index lookup,
-- also under the global root, whose children belong to different sites:
-- (parent_id, path) serves both that and children listings in tree order.
DROP INDEX pages_parent;
CREATE INDEX pages_parent ON pages (parent_id, path);

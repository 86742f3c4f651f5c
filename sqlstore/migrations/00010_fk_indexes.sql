-- Indexes on the referencing side of foreign keys that had none leading with
-- the key. PostgreSQL checks (or cascades) each deleted row's references with
-- a lookup on these columns: without them, deleting a site of 10,000 pages
-- scanned every revision once per page (4 s instead of 0.2 s), and deleting a
-- user scanned every page.
CREATE INDEX revisions_page ON revisions (page_id);
CREATE INDEX redirects_page ON redirects (redirect_page_id) WHERE redirect_page_id IS NOT NULL;
CREATE INDEX collections_parent ON collections (parent_id);
CREATE INDEX pages_owner ON pages (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX pages_locked_by ON pages (locked_by) WHERE locked_by IS NOT NULL;
CREATE INDEX revisions_user ON revisions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX log_entries_user ON log_entries (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

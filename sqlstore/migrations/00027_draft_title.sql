-- The title of a page's newest version (a live page's draft may rename it):
-- the admin lists, searches and names pages by it, as Wagtail's draft_title.
-- Every write of a revision keeps it.
ALTER TABLE pages ADD COLUMN draft_title TEXT NOT NULL DEFAULT '';
UPDATE pages SET draft_title = COALESCE((SELECT {{revision_title}} FROM revisions r WHERE r.id = pages.latest_revision_id), title);

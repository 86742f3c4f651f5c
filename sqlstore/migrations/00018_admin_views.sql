-- The admin dashboard's "recent edits" reads a site's newest revisions.
CREATE INDEX revisions_site_id ON revisions (site_id, id);
-- Its "my scheduled pages", per site.
CREATE INDEX pages_site_scheduled ON pages (site_id, go_live_at) WHERE scheduled_revision_id IS NOT NULL;

-- The admin dashboard's "recent edits" reads a site's newest revisions.
CREATE INDEX revisions_site_id ON revisions (site_id, id);

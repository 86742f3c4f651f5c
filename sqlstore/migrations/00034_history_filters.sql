-- The site history screen (issue 27) filters a site's log by action, by kind
-- of object and by a date range, newest first, over millions of entries:
-- each filter gets an index in the order it is read. A date range is turned
-- into a range of ids through (site_id, created_at).
CREATE INDEX log_entries_site_action ON log_entries (site_id, action, id);
CREATE INDEX log_entries_site_type ON log_entries (site_id, object_type, id);
CREATE INDEX log_entries_site_created ON log_entries (site_id, created_at);
-- The locked pages report lists a site's locked pages, the newest lock first.
CREATE INDEX pages_site_locked ON pages (site_id, locked_at) WHERE locked;

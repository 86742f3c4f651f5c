-- History filters by user and by object within a site, newest first.
CREATE INDEX log_entries_site_user ON log_entries (site_id, user_id, id);
CREATE INDEX log_entries_site_object ON log_entries (site_id, object_type, object_id, id);

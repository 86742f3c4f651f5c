-- "Recently edited by you" reads one person's newest revisions on one site.
CREATE INDEX revisions_user_site ON revisions (user_id, site_id, id) WHERE user_id IS NOT NULL;

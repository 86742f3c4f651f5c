-- Other hostnames of a site (issue 28: "two sites and an alias"): a request
-- for one is redirected permanently to the site's own address, and HTTPS
-- certificates are obtained for them too. A JSON array, read with the site's
-- row; no alias is another site's hostname or alias (checked on save).
ALTER TABLE sites ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';

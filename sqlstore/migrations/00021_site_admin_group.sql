-- Each site's administrators group is marked in the schema, not found by its
-- name: renaming it keeps it, and super admins act as its members whatever
-- it is called. Existing sites' groups named "Admins" become theirs.
ALTER TABLE groups ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE groups SET is_admin = TRUE WHERE site_id IS NOT NULL AND name = 'Admins';
CREATE UNIQUE INDEX groups_site_admin ON groups (site_id) WHERE is_admin;

-- The change log of the site table (issue 13): every committed write that
-- changes what a site shows appends one row per site it touched (site_id 0:
-- every site, as a change to the shared media library). Other processes read
-- the rows after the last sequence number they saw, so finding what changed
-- costs O(changed sites), not a read of every site. Old rows are pruned; a
-- process that fell behind the pruning horizon reloads everything.
CREATE TABLE site_changes (
    seq {{seq}},
    site_id BIGINT NOT NULL,
    changed_at {{ts}} NOT NULL
);
CREATE INDEX site_changes_at ON site_changes (changed_at);

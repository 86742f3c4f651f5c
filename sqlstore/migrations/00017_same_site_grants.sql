-- Same-site foreign keys for memberships and grants (issue 11): a grant's
-- site is its page's (or collection's) site, and a membership of a site's
-- group carries that group's site, so a cross-site grant or membership cannot
-- be stored whatever the code does. (An installation-wide group's rows have a
-- NULL group site: the composite key is then not checked, by SQL's rules.)
-- SQLite cannot add a constraint to a table, so the three tables are rebuilt.
CREATE UNIQUE INDEX pages_id_site ON pages (id, site_id);
CREATE UNIQUE INDEX groups_id_site ON groups (id, site_id);

CREATE TABLE group_members_new (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id BIGINT REFERENCES sites (id),
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (group_id, site_id) REFERENCES groups (id, site_id) ON DELETE CASCADE
);
INSERT INTO group_members_new (group_id, user_id, site_id) SELECT group_id, user_id, site_id FROM group_members;
DROP TABLE group_members;
ALTER TABLE group_members_new RENAME TO group_members;
CREATE INDEX group_members_user ON group_members (user_id, site_id);
CREATE INDEX group_members_site ON group_members (site_id, user_id);
CREATE INDEX group_members_group_site ON group_members (group_id, site_id);

CREATE TABLE group_page_grants_new (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    actions INTEGER NOT NULL,
    PRIMARY KEY (group_id, page_id),
    FOREIGN KEY (page_id, site_id) REFERENCES pages (id, site_id) ON DELETE CASCADE
);
INSERT INTO group_page_grants_new (group_id, page_id, site_id, actions) SELECT group_id, page_id, site_id, actions FROM group_page_grants;
DROP TABLE group_page_grants;
ALTER TABLE group_page_grants_new RENAME TO group_page_grants;
CREATE INDEX group_page_grants_page ON group_page_grants (page_id, site_id);
CREATE INDEX group_page_grants_site ON group_page_grants (site_id, group_id);

CREATE TABLE group_collection_grants_new (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    collection_id BIGINT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    site_id BIGINT REFERENCES sites (id),
    permissions INTEGER NOT NULL,
    PRIMARY KEY (group_id, collection_id),
    FOREIGN KEY (collection_id, site_id) REFERENCES collections (id, site_id) ON DELETE CASCADE
);
INSERT INTO group_collection_grants_new (group_id, collection_id, site_id, permissions) SELECT group_id, collection_id, site_id, permissions FROM group_collection_grants;
DROP TABLE group_collection_grants;
ALTER TABLE group_collection_grants_new RENAME TO group_collection_grants;
CREATE INDEX group_collection_grants_collection ON group_collection_grants (collection_id, site_id);
CREATE INDEX group_collection_grants_site ON group_collection_grants (site_id, group_id);

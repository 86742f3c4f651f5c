-- A collection's documents may be protected by a shared password (as
-- pages): kind 'password' with its bcrypt hash. The kind's CHECK changes,
-- so the table is made again (SQLite cannot alter a CHECK).
CREATE TABLE collection_restrictions_v2 (
    collection_id BIGINT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    kind TEXT NOT NULL CHECK (kind IN ('login', 'groups', 'password')),
    group_ids TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (collection_id, site_id) REFERENCES collections (id, site_id) ON DELETE CASCADE
);
INSERT INTO collection_restrictions_v2 (collection_id, site_id, kind, group_ids)
    SELECT collection_id, site_id, kind, group_ids FROM collection_restrictions;
DROP TABLE collection_restrictions;
ALTER TABLE collection_restrictions_v2 RENAME TO collection_restrictions;
CREATE INDEX collection_restrictions_site ON collection_restrictions (site_id);

-- Collections: a tree per site (materialised path like pages), rooted at the
-- site's root collection, plus installation-wide collections (site_id NULL,
-- created by superusers). Groups hold collection grants as a bit set.

CREATE TABLE collections (
    id {{id}},
    site_id BIGINT REFERENCES sites (id),
    parent_id BIGINT REFERENCES collections (id),
    path {{path}} NOT NULL,
    depth INTEGER NOT NULL,
    name TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX collections_site_path ON collections (COALESCE(site_id, 0), path);
CREATE UNIQUE INDEX collections_site_root ON collections (site_id) WHERE depth = 1;

CREATE TABLE group_collection_grants (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    collection_id BIGINT NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    site_id BIGINT REFERENCES sites (id),
    permissions INTEGER NOT NULL,
    PRIMARY KEY (group_id, collection_id)
);
CREATE INDEX group_collection_grants_collection ON group_collection_grants (collection_id);

INSERT INTO collections (site_id, parent_id, path, depth, name, created_at)
SELECT id, NULL, '0001', 1, 'Root', {{now}} FROM sites;

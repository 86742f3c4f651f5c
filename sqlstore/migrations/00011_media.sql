-- Media: images (with their renditions) and documents, each in a collection
-- of its own site, or (site_id NULL) in the installation's shared library,
-- managed by superusers. The composite foreign keys make "a collection of the
-- same site" and "a rendition of an image of the same site" part of the schema;
-- the plain ones hold for shared media too.
CREATE UNIQUE INDEX collections_id_site ON collections (id, site_id);

-- A collection's view restriction (documents in it are served only to those
-- who pass): kind 'login' or 'groups' (group_ids: a JSON list of this site's groups).
CREATE TABLE collection_restrictions (
    collection_id BIGINT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    kind TEXT NOT NULL CHECK (kind IN ('login', 'groups')),
    group_ids TEXT NOT NULL DEFAULT '[]',
    FOREIGN KEY (collection_id, site_id) REFERENCES collections (id, site_id) ON DELETE CASCADE
);
CREATE INDEX collection_restrictions_site ON collection_restrictions (site_id);

CREATE TABLE images (
    id {{id}},
    site_id BIGINT REFERENCES sites (id),
    collection_id BIGINT NOT NULL REFERENCES collections (id),
    title TEXT NOT NULL,
    filename TEXT NOT NULL,
    file_key TEXT NOT NULL,
    format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    file_size BIGINT NOT NULL,
    file_hash TEXT NOT NULL,
    focal_x INTEGER,
    focal_y INTEGER,
    focal_w INTEGER,
    focal_h INTEGER,
    tags TEXT NOT NULL DEFAULT '',
    owner_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    FOREIGN KEY (collection_id, site_id) REFERENCES collections (id, site_id)
);
CREATE INDEX images_site ON images (site_id, id);
CREATE INDEX images_collection ON images (collection_id, site_id);
CREATE INDEX images_owner ON images (owner_id) WHERE owner_id IS NOT NULL;
CREATE UNIQUE INDEX images_id_site ON images (id, site_id);

CREATE TABLE renditions (
    id {{id}},
    site_id BIGINT REFERENCES sites (id),
    image_id BIGINT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    spec TEXT NOT NULL,
    file_key TEXT NOT NULL,
    format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    file_size BIGINT NOT NULL,
    created_at {{ts}} NOT NULL,
    FOREIGN KEY (image_id, site_id) REFERENCES images (id, site_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX renditions_image_spec ON renditions (image_id, spec);
CREATE INDEX renditions_site ON renditions (site_id);

CREATE TABLE documents (
    id {{id}},
    site_id BIGINT REFERENCES sites (id),
    collection_id BIGINT NOT NULL REFERENCES collections (id),
    title TEXT NOT NULL,
    filename TEXT NOT NULL,
    file_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    file_hash TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    owner_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    FOREIGN KEY (collection_id, site_id) REFERENCES collections (id, site_id)
);
CREATE INDEX documents_site ON documents (site_id, id);
CREATE INDEX documents_collection ON documents (collection_id, site_id);
CREATE INDEX documents_owner ON documents (owner_id) WHERE owner_id IS NOT NULL;

-- Installation secrets (e.g. the key that signs rendition URLs), made once.
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The installation's shared library: its root collection.
INSERT INTO collections (site_id, parent_id, path, depth, name, created_at) VALUES (NULL, NULL, '0001', 1, 'Shared library', {{now}});

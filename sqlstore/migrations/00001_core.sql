-- Canopy core schema: sites, the page tree, revisions, users.
-- Tokens in {{braces}} are replaced per dialect (see migrate.go), so both
-- databases run the same schema from this one file.

CREATE TABLE sites (
    id {{id}},
    hostname TEXT NOT NULL,
    port INTEGER NOT NULL DEFAULT 80,
    name TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    theme TEXT NOT NULL DEFAULT 'default',
    content_version BIGINT NOT NULL DEFAULT 1,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CHECK (port BETWEEN 1 AND 65535)
);
CREATE UNIQUE INDEX sites_hostname_port ON sites (hostname, port);
CREATE UNIQUE INDEX sites_one_default ON sites (is_default) WHERE is_default;

CREATE TABLE users (
    id {{id}},
    username TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    is_superadmin BOOLEAN NOT NULL DEFAULT FALSE,
    home_site_id BIGINT REFERENCES sites (id),
    created_at {{ts}} NOT NULL,
    last_login {{ts}}
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE INDEX users_home_site ON users (home_site_id) WHERE home_site_id IS NOT NULL;

-- One tree: the global root (depth 1, no site) and below it each site's home
-- page (depth 2). Every other page belongs to its home page's site.
CREATE TABLE pages (
    id {{id}},
    site_id BIGINT REFERENCES sites (id),
    parent_id BIGINT REFERENCES pages (id),
    path {{path}} NOT NULL,
    depth INTEGER NOT NULL,
    numchild INTEGER NOT NULL DEFAULT 0,
    page_type TEXT NOT NULL,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    url_path {{path}} NOT NULL,
    seo_title TEXT NOT NULL DEFAULT '',
    search_description TEXT NOT NULL DEFAULT '',
    show_in_menus BOOLEAN NOT NULL DEFAULT FALSE,
    fields TEXT NOT NULL DEFAULT '{}',
    live BOOLEAN NOT NULL DEFAULT FALSE,
    has_unpublished_changes BOOLEAN NOT NULL DEFAULT FALSE,
    first_published_at {{ts}},
    last_published_at {{ts}},
    live_revision_id BIGINT,
    latest_revision_id BIGINT,
    owner_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CHECK ((depth = 1 AND site_id IS NULL AND parent_id IS NULL) OR (depth > 1 AND site_id IS NOT NULL AND parent_id IS NOT NULL))
);
CREATE UNIQUE INDEX pages_path ON pages (path);
CREATE UNIQUE INDEX pages_sibling_slug ON pages (parent_id, slug);
CREATE UNIQUE INDEX pages_site_home ON pages (site_id) WHERE depth = 2;
CREATE INDEX pages_site_path ON pages (site_id, path);
CREATE INDEX pages_site_url_path ON pages (site_id, url_path);
CREATE INDEX pages_site_type ON pages (site_id, page_type);
CREATE INDEX pages_parent ON pages (parent_id, site_id, path);

CREATE TABLE revisions (
    id {{id}},
    site_id BIGINT NOT NULL REFERENCES sites (id),
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    content TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX revisions_site_page ON revisions (site_id, page_id, id);

INSERT INTO pages (site_id, parent_id, path, depth, numchild, page_type, title, slug, url_path, live, created_at, updated_at)
VALUES (NULL, NULL, '0001', 1, 0, 'canopy.Root', 'Root', 'root', '/', TRUE, {{now}}, {{now}});

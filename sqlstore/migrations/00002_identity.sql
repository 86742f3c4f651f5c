-- Identity and permissions: groups (of one site, or installation-wide when
-- site_id is NULL), memberships, page and model grants, sessions, API tokens,
-- and the log of admin actions. Every tenant-owned row names its site.

CREATE TABLE groups (
    id {{id}},
    site_id BIGINT REFERENCES sites (id),
    name TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX groups_site_name ON groups (COALESCE(site_id, 0), lower(name));

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id BIGINT REFERENCES sites (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, site_id);
CREATE INDEX group_members_site ON group_members (site_id, user_id);

CREATE TABLE group_page_grants (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    page_id BIGINT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    actions INTEGER NOT NULL,
    PRIMARY KEY (group_id, page_id)
);
CREATE INDEX group_page_grants_page ON group_page_grants (page_id);

CREATE TABLE group_model_perms (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    codename TEXT NOT NULL,
    PRIMARY KEY (group_id, codename)
);

-- Sessions and tokens are stored by the SHA-256 of the secret the client holds.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    created_at {{ts}} NOT NULL,
    expires_at {{ts}} NOT NULL,
    last_seen_at {{ts}} NOT NULL,
    remote_addr TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id {{id}},
    token_hash TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    last_used_at {{ts}},
    expires_at {{ts}}
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_site_user ON api_tokens (site_id, user_id);

CREATE TABLE log_entries (
    id {{id}},
    site_id BIGINT REFERENCES sites (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL DEFAULT '',
    object_title TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}',
    created_at {{ts}} NOT NULL
);
CREATE INDEX log_entries_site_time ON log_entries (site_id, id);

ALTER TABLE pages ADD COLUMN locked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pages ADD COLUMN locked_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE pages ADD COLUMN locked_at {{ts}};

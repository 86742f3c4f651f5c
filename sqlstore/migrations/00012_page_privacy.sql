-- Page privacy (view restrictions): on a page, for it and every page below.
-- kind 'login' (any member of the site), 'password' (a bcrypt hash; visitors
-- who enter the password get a signed cookie), or 'groups' (members of the
-- listed groups of the same site). A page's effective restrictions are its own
-- and its ancestors'; all must pass.
CREATE TABLE page_restrictions (
    page_id BIGINT PRIMARY KEY REFERENCES pages (id) ON DELETE CASCADE,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    kind TEXT NOT NULL CHECK (kind IN ('login', 'password', 'groups')),
    password_hash TEXT NOT NULL DEFAULT '',
    group_ids TEXT NOT NULL DEFAULT '[]',
    created_at {{ts}} NOT NULL
);
CREATE INDEX page_restrictions_site ON page_restrictions (site_id);

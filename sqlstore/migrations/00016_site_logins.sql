-- The last login of each user on each site: a site's admins see when a member
-- last logged in on their site, never on another one (users.last_login stays
-- the installation-wide figure, for superusers and the account itself).
CREATE TABLE site_logins (
    site_id BIGINT NOT NULL REFERENCES sites (id),
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_login {{ts}} NOT NULL,
    PRIMARY KEY (site_id, user_id)
);
CREATE INDEX site_logins_user ON site_logins (user_id);
